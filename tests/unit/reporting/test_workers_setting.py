"""`AUDIENSI_REPORTING_WORKERS`: which applier the service gives its projector and rebuilds
(no process is started here)."""

from __future__ import annotations

import pytest

from chassis.settings import Settings
from services.reporting.config import ReportingSettings
from services.reporting.runtime import Runtime
from services.reporting.workers import Pool

pytestmark = pytest.mark.unit


def runtime(workers: int, **settings) -> Runtime:
    return Runtime(Settings(**settings), ReportingSettings(workers=workers, key_prefix="rmx",
                                                           timezone="Asia/Makassar"))


def test_no_workers_means_everything_in_the_service_process():
    assert runtime(0)._pool_factory() is None


def test_workers_get_the_service_redis_prefix_and_zone_and_open_names():
    make = runtime(3, redis_url="redis://127.0.0.1:7000/4")._pool_factory()
    pool = make()
    assert isinstance(pool, Pool) and pool.workers == 3 and make() is not pool
    assert pool.config.redis_url == "redis://127.0.0.1:7000/4"
    assert (pool.config.key_prefix, pool.config.timezone) == ("rmx", "Asia/Makassar")
    assert pool.config.personal is True
    assert pool.pids == [None, None, None]  # nothing started until the projector starts


def test_workers_refuse_a_key_store_they_cannot_share():
    with pytest.raises(ValueError, match="memory://"):
        runtime(2, env="test", keystore_url="memory://")._pool_factory()


def test_a_pool_needs_a_worker():
    with pytest.raises(ValueError):
        Pool(runtime(2)._pool_factory()().config, 0)


def test_workers_sign_in_to_redis_as_the_service():
    make = runtime(2, redis_url="redis://127.0.0.1:7000/4", redis_user="reporting",
                   redis_password="s3cret")._pool_factory()
    assert make().config.redis_url == "redis://reporting:s3cret@127.0.0.1:7000/4"
