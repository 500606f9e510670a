"""One documents process per test module against the session's real Kafka, Redis and
SeaweedFS; cases are made by publishing intake and disposition events to their topics (as
those services would), which the documents service folds into its own view."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.support.auth import auth
from tests.support.services import ServiceProcess
from tests.support.waiting import eventually

from .support import publish_case_events


@dataclass
class Documents:
    proc: ServiceProcess
    stack: object
    store: object

    @property
    def url(self) -> str:
        return self.proc.url

    async def new_case(self, *, division: str = "rehsos",
                       officer: str | None = "petugas-rehsos-1") -> str:
        """A case requested, disposed to `division` and assigned to `officer`, known to the
        service (its list answers) before this returns."""
        case_id = str(uuid.uuid4())
        await publish_case_events(self.stack.bootstrap, case_id, division, officer)

        async def known() -> int:
            async with httpx.AsyncClient(base_url=self.url, timeout=5) as client:
                r = await client.get(f"/cases/{case_id}/documents", headers=auth("frontdesk"))
            assert r.status_code == 200, r.text
            return r.status_code

        await eventually(known, timeout=30)
        if officer is not None:  # and its assignment
            async def assigned() -> int:
                async with httpx.AsyncClient(base_url=self.url, timeout=5) as client:
                    r = await client.get(f"/cases/{case_id}/documents", headers=auth(officer))
                assert r.status_code == 200, r.text
                return r.status_code

            await eventually(assigned, timeout=30)
        return case_id


def start_documents(stack_env, object_store, **env: str) -> ServiceProcess:
    return ServiceProcess("documents", {**object_store.env, **env},
                          stack_env.data_dir / "logs").start(timeout=120)


@pytest.fixture(scope="module")
def documents(stack_env, object_store) -> Iterator[Documents]:
    proc = start_documents(stack_env, object_store)
    try:
        yield Documents(proc, stack_env, object_store)
    finally:
        proc.stop()
