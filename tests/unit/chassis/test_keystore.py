"""Keys at rest are wrapped under the master key, which is never stored beside them."""

import base64
import sqlite3

import pytest

from chassis.keystore import MasterKeyError, SqliteKeyStore, Wrapper, master_key
from chassis.settings import Settings


def test_a_stored_key_is_wrapped_and_unwraps_only_under_its_master_key(tmp_path):
    path = tmp_path / "k.sqlite3"
    key = SqliteKeyStore(path, Wrapper(b"a" * 32)).get_or_create("dk-1")
    with sqlite3.connect(path) as conn:
        [(stored,)] = conn.execute("SELECT material FROM keys").fetchall()
    assert key not in bytes(stored) and len(key) == 32
    assert SqliteKeyStore(path, Wrapper(b"a" * 32)).get("dk-1") == key
    with pytest.raises(MasterKeyError):
        SqliteKeyStore(path, Wrapper(b"b" * 32)).get("dk-1")


def test_a_wrapped_key_is_bound_to_its_id():
    wrapper = Wrapper(b"a" * 32)
    with pytest.raises(MasterKeyError):
        wrapper.unwrap("dk-2", wrapper.wrap("dk-1", b"k" * 32))


def test_the_master_key_comes_from_the_setting(tmp_path):
    raw = b"z" * 32
    assert master_key(Settings(data_dir=tmp_path, master_key=base64.b64encode(raw).decode())) \
        == raw
    for bad in ("not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(MasterKeyError):
            master_key(Settings(data_dir=tmp_path, master_key=bad))


def test_outside_production_a_master_key_file_is_made_once(tmp_path):
    first = master_key(Settings(data_dir=tmp_path))
    assert master_key(Settings(data_dir=tmp_path)) == first and len(first) == 32
    assert (tmp_path / "master.key").stat().st_mode & 0o077 == 0


def test_production_needs_a_master_key_where_a_key_store_is_opened(tmp_path):
    settings = Settings(data_dir=tmp_path, env="production", jwt_secret="x" * 32,
                        command_key="c" * 32)
    with pytest.raises(MasterKeyError, match="AUDIENSI_MASTER_KEY"):
        master_key(settings)
    assert not (tmp_path / "master.key").exists()
