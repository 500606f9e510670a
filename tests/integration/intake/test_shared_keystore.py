"""Two intake workers on two hosts (two data dirs) share one key store: an identity sealed by
one is erased by the other, for both, because the keys live in the shared Redis, wrapped under
the master key both are given."""

from __future__ import annotations

import base64

import httpx
import pytest

from chassis.keystore import master_key, open_keystore
from chassis.settings import get_settings
from contracts.topics import INTAKE
from services.intake.vault import IdentityErased, IdentityVault
from tests.support.auth import auth
from tests.support.services import ServiceProcess

from .support import events_of, visit_body

NIK_SHARED = "3171015708900077"


@pytest.fixture(scope="module")
def second_host(intake, stack_env, tmp_path_factory):
    master = base64.b64encode(master_key(get_settings())).decode()
    proc = ServiceProcess("intake", {"AUDIENSI_DATA_DIR": str(tmp_path_factory.mktemp("host2")),
                                     "AUDIENSI_MASTER_KEY": master},
                          stack_env.data_dir / "logs").start(timeout=120)
    try:
        yield proc
    finally:
        proc.stop()


async def test_an_identity_sealed_on_one_host_is_erased_from_the_other(http, second_host,
                                                                         stack_env):
    r = await http.post("/visits", json=visit_body(NIK_SHARED), headers=auth("frontdesk"))
    assert r.status_code == 201, r.text
    [env] = await events_of(stack_env.bootstrap, INTAKE, r.json()["visit_id"], 1)
    keys = IdentityVault(open_keystore(get_settings()))
    assert keys.reveal(env.data.identity) == NIK_SHARED
    async with httpx.AsyncClient(base_url=second_host.url, timeout=30) as other:
        erased = await other.post("/identities/erasure", json={"kind": "KTP",
                                                               "number": NIK_SHARED},
                                  headers=auth("admin"))
    assert erased.status_code == 200, erased.text
    assert erased.json()["ref"] == env.data.identity.ref and erased.json()["erased"] is True
    # the other host found the record the first host linked to the person
    assert erased.json()["records"] == [{"kind": "visit", "id": r.json()["visit_id"]}]
    # a reader that has not cached the key (a cached one lives chassis.sealing.TTL seconds)
    with pytest.raises(IdentityErased):
        IdentityVault(open_keystore(get_settings())).reveal(env.data.identity)
