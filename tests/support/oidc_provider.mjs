// A real OpenID provider for the console's SSO tests: panva's `oidc-provider` (npm,
// devDependency, exact version in package.json), on 127.0.0.1.
//
//   node tests/support/oidc_provider.mjs <port> <client_id> <client_secret> <redirect_uri>
//
// One confidential client (client_secret_basic, authorization code only) with PKCE (S256)
// required. Its development interactions (a login form taking any login and password,
// then a consent form) stand for the office's identity provider: the account is the login
// typed, and its `preferred_username` claim is that login too, put in the ID token.
// Prints `ready <issuer>` on stdout once it listens.
import { Provider } from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
if (!redirectUri) {
  console.error('usage: oidc_provider.mjs <port> <client_id> <client_secret> <redirect_uri>');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['preferred_username', 'name'] },
  // the scope's claims in the ID token itself (the console reads them from there)
  conformIdTokenClaims: false,
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, preferred_username: sub, name: sub };
      },
    };
  },
  cookies: { keys: ['audiensi-test-provider-cookie-key'] },
  features: { devInteractions: { enabled: true } },
});
provider.proxy = false;

const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
