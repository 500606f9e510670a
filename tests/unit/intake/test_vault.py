import sqlite3
from datetime import UTC, date, datetime

import pytest

from chassis.clock import FixedClock
from chassis.keystore import MemoryKeyStore, SqliteKeyStore, Wrapper, open_keystore
from chassis.settings import Settings
from contracts.sealed import is_sealed, key_id_of
from services.intake.vault import IdentityErased, IdentityVault

WRAP = Wrapper(b"m" * 32)

NIK = "1971015708900001"
OTHER = "3173021205850042"


@pytest.fixture
def vault() -> IdentityVault:
    return IdentityVault(MemoryKeyStore())


def test_an_identity_leaves_masked_referenced_and_sealed_under_its_record_key(vault):
    identity = vault.protect("KTP", NIK, date(2030, 1, 1), record_key="case:c1")
    assert is_sealed(identity.masked) and vault.sealer.open(identity.masked) == "1971**********01"
    assert identity.ref.startswith("hmac-sha256:") and identity.key_id == "case:c1"
    assert key_id_of(identity.sealed) == "case:c1"
    assert identity.valid_until == date(2030, 1, 1)
    assert NIK not in identity.model_dump_json()
    assert vault.reveal(identity) == NIK


def test_the_same_person_has_the_same_ref_whatever_the_formatting_and_links_each_record(vault):
    a = vault.protect("KTP", NIK, record_key="visit:v1")
    b = vault.protect("KTP", "1971 0157 0890 0001", record_key="case:c1")
    assert a.ref == b.ref and a.sealed != b.sealed
    c = vault.protect("KTP", OTHER, record_key="case:c2")
    assert c.ref != a.ref
    assert vault.records_of("KTP", NIK) == {"visit:v1", "case:c1"}
    assert vault.records_of("KTP", OTHER) == {"case:c2"}


def test_the_ref_is_keyed_not_a_plain_hash():
    one, two = IdentityVault(MemoryKeyStore()), IdentityVault(MemoryKeyStore())
    assert one.ref("KTP", NIK) != two.ref("KTP", NIK)


def test_forgetting_a_person_erases_every_record_of_theirs_and_nobody_elses(vault):
    copies = [vault.protect("KTP", NIK, record_key=f"case:c{n}") for n in range(3)]
    name = vault.sealer.seal("case:c0", "Siti Aminah")  # the record's other fields
    other = vault.protect("KTP", OTHER, record_key="case:x")
    assert vault.forget_identity("KTP", NIK) == ["case:c0", "case:c1", "case:c2"]
    for copy in copies:
        with pytest.raises(IdentityErased):
            vault.reveal(copy)
    assert vault.sealer.open(name) is None
    assert vault.reveal(other) == OTHER
    assert vault.records_of("KTP", NIK) == set()  # the links are gone too


def test_a_walk_in_case_made_from_a_visit_is_erased_with_the_visitor(vault):
    vault.protect("KTP", NIK, record_key="visit:v1")
    name = vault.sealer.seal("case:w1", "Siti Aminah")  # the walk-in case's applicant
    vault.link_records("visit:v1", "case:w1")
    vault.link_records("visit:other", "case:w2")  # somebody else's visit and case
    assert vault.records_of("KTP", NIK) == {"visit:v1", "case:w1"}
    assert vault.forget_identity("KTP", NIK) == ["case:w1", "visit:v1"]
    assert vault.sealer.open(name) is None
    assert vault.store.linked("visit:v1") == set()
    assert vault.store.linked("visit:other") == {"case:w2"}


def test_a_tampered_seal_is_not_revealed(vault):
    identity = vault.protect("KTP", NIK, record_key="case:c1")
    body = identity.sealed[:-2] + ("AA" if not identity.sealed.endswith("AA") else "BB")
    with pytest.raises(IdentityErased):
        vault.reveal(identity.model_copy(update={"sealed": body}))


def test_the_sqlite_store_keeps_keys_and_links_across_instances_and_forgets_for_all(tmp_path):
    path = tmp_path / "keys" / "k.sqlite3"
    first = IdentityVault(SqliteKeyStore(path, WRAP))
    identity = first.protect("KTP", NIK, record_key="case:c1")
    second = IdentityVault(SqliteKeyStore(path, WRAP))  # e.g. after a restart, or another process
    assert second.ref("KTP", NIK) == identity.ref
    assert second.reveal(identity) == NIK
    assert second.forget_identity("KTP", NIK) == ["case:c1"]
    with pytest.raises(IdentityErased):
        IdentityVault(SqliteKeyStore(path, WRAP)).reveal(identity)
    assert NIK.encode() not in path.read_bytes()


def test_a_new_key_is_stamped_by_the_clock_it_is_given(tmp_path):
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    path = tmp_path / "k.sqlite3"
    SqliteKeyStore(path, WRAP, FixedClock(at)).get_or_create("k1")
    with sqlite3.connect(path) as conn:
        [(stamp,)] = conn.execute("SELECT created_at FROM keys WHERE id = 'k1'").fetchall()
    assert stamp == at.isoformat()


def test_key_store_urls(tmp_path):
    base = dict(data_dir=tmp_path)
    store = open_keystore(Settings(**base, keystore_url=f"sqlite:///{tmp_path}/x.db"))
    assert isinstance(store, SqliteKeyStore) and store.path == tmp_path / "x.db"
    assert isinstance(open_keystore(Settings(**base, env="test", keystore_url="memory://")),
                      MemoryKeyStore)
    with pytest.raises(ValueError, match="AUDIENSI_ENV=test"):
        open_keystore(Settings(**base, keystore_url="memory://"))
    with pytest.raises(ValueError):
        open_keystore(Settings(**base, keystore_url="vault://somewhere"))


def test_a_rotated_hmac_key_makes_new_refs_and_still_finds_and_erases_the_old():
    store = MemoryKeyStore()
    old = IdentityVault(store, hmac_version=1).protect("KTP", NIK, record_key="case:old")
    rotated = IdentityVault(store, hmac_version=2)
    new = rotated.protect("KTP", NIK, record_key="case:new")
    assert new.ref.startswith("hmac-sha256:v2:") and new.ref != old.ref
    assert rotated.refs("KTP", NIK) == [new.ref, old.ref]  # found under both versions
    assert rotated.forget_identity("KTP", NIK)
    for identity in (old, new):
        with pytest.raises(IdentityErased):
            rotated.reveal(identity)
    assert not rotated.forget_identity("KTP", NIK)
