"""Sealing: tokens validate as `contracts.sealed.Sealed`, open back, die with their key."""

import pytest
from pydantic import TypeAdapter, ValidationError

from chassis.keystore import MemoryKeyStore
from chassis.sealing import Sealer, key_ids_in
from contracts.sealed import Sealed, case_key, is_sealed, key_id_of


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_a_sealed_value_opens_to_itself_and_names_its_key():
    s = Sealer(MemoryKeyStore())
    token = s.seal(case_key("c1"), "Siti Aminah")
    assert is_sealed(token) and "Siti" not in token
    assert key_id_of(token) == "case:c1"
    assert TypeAdapter(Sealed).validate_python(token) == token
    assert s.open(token) == "Siti Aminah"
    assert s.seal("case:c1", None) is None


def test_the_same_text_seals_differently_each_time():
    s = Sealer(MemoryKeyStore())
    assert s.seal("case:c1", "x") != s.seal("case:c1", "x")


def test_plaintext_does_not_validate_as_sealed():
    with pytest.raises(ValidationError):
        TypeAdapter(Sealed).validate_python("Siti Aminah")


def test_a_token_moved_to_another_key_does_not_open():
    store = MemoryKeyStore()
    s = Sealer(store)
    token = s.seal("case:a", "rahasia")
    s.seal("case:b", "lain")
    moved = token.replace("case:a", "case:b")
    assert s.open(moved) is None


def test_erasure_reaches_other_processes_within_the_ttl():
    store, clock = MemoryKeyStore(), Clock()
    writer, reader = Sealer(store, monotonic=clock), Sealer(store, ttl=30, monotonic=clock)
    token = writer.seal("case:c1", "0812-3456-7890")
    assert reader.open(token) == "0812-3456-7890"
    assert writer.erase(["case:c1"]) == ["case:c1"]
    assert writer.open(token) is None
    clock.t = 29.0
    assert reader.open(token) == "0812-3456-7890"  # its cached key, still inside the TTL
    clock.t = 31.0
    assert reader.open(token) is None


def test_open_tree_opens_every_token_and_keeps_the_rest():
    s = Sealer(MemoryKeyStore())
    doc = {"name": s.seal("visit:v", "Budi"), "n": 2,
           "list": [s.seal("case:c", "a"), "plain", None]}
    assert s.open_tree(doc) == {"name": "Budi", "n": 2, "list": ["a", "plain", None]}
    assert key_ids_in(doc) == {"visit:v", "case:c"}


class CountingStore(MemoryKeyStore):
    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def get_or_create(self, key_id: str) -> bytes:
        self.asked += 1
        return super().get_or_create(key_id)


def test_several_texts_of_a_record_are_sealed_with_one_look_up_of_its_key():
    store = CountingStore()
    s = Sealer(store)
    sealed = s.seal_many(case_key("c-1"), {"name": "Budi", "contact": None, "purpose": "PKH"})
    assert store.asked == 1
    assert sealed["contact"] is None
    assert s.open(sealed["name"]) == "Budi" and s.open(sealed["purpose"]) == "PKH"
    assert s.seal_many(case_key("c-2"), {"name": None}) == {"name": None}
    assert store.asked == 1, "nothing to seal: no key made"
