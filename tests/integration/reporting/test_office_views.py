"""The office's own steps in the reporting service (real Kafka, real Redis, the service as a
process): the heads of the divisions a case is copied to (tembusan) read it, others do
not; a returned disposition leaves the case registered, without a division or copies; a
declined case reads `declined`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts import deterministic_id, envelope
from contracts import disposition as d
from services.reporting import scenarios as sc

pytestmark = pytest.mark.integration
H = timedelta(hours=1)


def then(envs, *events_at):
    seq = max((e.sequence for e in envs if e.source == "disposition"), default=0)
    out = list(envs)
    for n, (hours, event) in enumerate(events_at, start=seq + 1):
        out.append(envelope(event, source="disposition", sequence=n, time=sc.T0 + hours * H,
                            id=deterministic_id("office-view", event.case_id, n)))
    return out


def disposed_with_copies(case: str, n: int) -> list:
    return then(sc.letter_case(case, until="registered", n=n),
                (1, d.CaseDisposed(case_id=case, division="rehsos", instructions="x",
                                   disposed_by="kadis", copies=["linjamsos", "pmd"])))


async def test_copied_heads_read_the_case_and_a_return_takes_it_from_them(reporting):
    kept = disposed_with_copies("o-copied", 31)
    returned = then(disposed_with_copies("o-returned", 32),
                    (2, d.DispositionReturned(case_id="o-returned", division="rehsos",
                                              reason="salah bidang", returned_by="kabid-rehsos")))
    declined = then(sc.letter_case("o-declined", until="received", n=33),
                    (3, d.AudienceDeclined(case_id="o-declined", reason="x", channel="surat",
                                           message="maaf", declined_by="kabid-rehsos")))
    await reporting.produce(kept + returned + declined)
    await reporting.caught_up()

    view = reporting.ok("/cases/o-copied", "kabid-linjamsos")
    assert (view["division"], view["copies"]) == ("rehsos", ["linjamsos", "pmd"])
    assert reporting.get("/cases/o-copied", "kabid-pmd").status_code == 200
    assert reporting.get("/cases/o-copied", "kabid-dayasos").status_code == 403
    listed = reporting.ok("/cases", "kabid-linjamsos")["items"]
    assert "o-copied" not in {i["case_id"] for i in listed}  # lists keep to their division

    back = reporting.ok("/cases/o-returned", "kadis")
    assert (back["status"], back["division"], back["copies"]) == ("registered", None, [])
    assert reporting.get("/cases/o-returned", "kabid-linjamsos").status_code == 403
    assert reporting.get("/cases/o-returned", "kabid-rehsos").status_code == 403

    assert reporting.ok("/cases/o-declined", "kabid-rehsos")["status"] == "declined"
    assert "o-declined" in {i["case_id"] for i in
                            reporting.ok("/cases", "analis", status="declined")["items"]}
