"""The office's read side, pure: queue membership as a case moves through every step, the
case file's texts, who may read the file, the search keys; delivered twice and shuffled,
the same queues, files and index."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from chassis.auth import Principal
from chassis.keystore import MemoryKeyStore
from chassis.sealing import Sealer
from contracts import deterministic_id, envelope
from contracts import disposition as d
from contracts import intake as i
from services.reporting import scenarios as sc
from services.reporting import search
from services.reporting.casefile import build, may_read
from services.reporting.personal import Personal
from services.reporting.queues import keys_for

from .memory import MemoryModel

pytestmark = pytest.mark.unit
H = timedelta(hours=1)
SEALER = Sealer(MemoryKeyStore())  # the reading edge opens the tokens the events carry


def sealed(text: str) -> str:
    return SEALER.seal("case:c9", text)


def then(envs, *events_at):
    seq = max((e.sequence for e in envs if e.source == "disposition"), default=0)
    out = list(envs)
    for n, (hours, event) in enumerate(events_at, start=seq + 1):
        out.append(envelope(event, source="disposition", sequence=n, time=sc.T0 + hours * H,
                            id=deterministic_id("office", event.case_id, n)))
    return out


def queues_of(envs, subject) -> set[str]:
    m = MemoryModel()
    m.apply(envs)
    return {k for k, members in m.zsets.items() if k.startswith("q:") and subject in members}


LETTER_QUEUES = {
    "requested": set(),
    "registered": {"q:to_dispose:all"},
    "disposed": {"q:to_receive:d:rehsos"},
    "received": {"q:to_assign:d:rehsos"},
    "assigned": {"q:to_inform:o:petugas-rehsos-1", "q:in_progress:d:rehsos"},
    "prepared": {"q:to_inform:o:petugas-rehsos-1", "q:in_progress:d:rehsos"},
    "informed": {"q:to_hold:o:petugas-rehsos-1", "q:in_progress:d:rehsos"},
    "held": {"q:to_report:o:petugas-rehsos-1", "q:in_progress:d:rehsos"},
    "reported": {"q:to_forward:d:rehsos"},
    "forwarded": {"q:to_close:all"},
    "closed": set(),
}


@pytest.mark.parametrize("step", sc.LETTER_STEPS)
def test_a_letter_case_is_in_the_queue_of_its_next_step_only(step):
    assert queues_of(sc.letter_case("c1", until=step), "c1") == LETTER_QUEUES[step]


WALK_IN_QUEUES = {
    "requested": {"q:walk_ins_waiting:all"},
    "directed": {"q:walk_ins:o:petugas-rehsos-1", "q:in_progress:d:rehsos"},
    "held": {"q:to_report:o:petugas-rehsos-1", "q:in_progress:d:rehsos"},
    "reported": {"q:to_forward:d:rehsos"},
    "forwarded": {"q:to_close:all"},
    "closed": set(),
}


@pytest.mark.parametrize("step", sc.WALK_IN_STEPS)
def test_an_urgent_walk_in_moves_through_its_queues(step):
    assert queues_of(sc.walk_in_case("w1", until=step), "w1") == WALK_IN_QUEUES[step]


def test_complaints_wait_for_verification_then_response():
    filed = sc.complaint("cp-1", closed=False)
    assert queues_of(filed, "cp-1") == {"q:complaints_to_verify:all"}
    assert queues_of(sc.complaint("cp-1", closed=True), "cp-1") == set()


def complaint_then(envs, *events_at):
    out = list(envs)
    seq = max(e.sequence for e in envs if e.source == "intake")
    for n, (hours, event) in enumerate(events_at, start=seq + 1):
        out.append(envelope(event, source="intake", sequence=n, time=sc.T0 + hours * H,
                            id=deterministic_id("complaint-step", event.complaint_id, n)))
    return out


def test_a_routed_complaint_waits_in_its_divisions_queue_and_a_rejected_one_nowhere():
    from contracts import complaints as c
    filed = sc.complaint("cp-1", closed=False)
    verified = complaint_then(filed, (1, c.ComplaintVerified(
        complaint_id="cp-1", verified_by="sekretariat", verified_at=sc.T0 + H)))
    assert queues_of(verified, "cp-1") == {"q:complaints_to_respond:all"}
    routed = complaint_then(verified, (2, c.ComplaintRouted(
        complaint_id="cp-1", division="rehsos", routed_by="sekretariat",
        routed_at=sc.T0 + 2 * H)))
    assert queues_of(routed, "cp-1") == {"q:complaints_to_respond:all",
                                         "q:complaints_routed:d:rehsos"}
    rerouted = complaint_then(routed, (3, c.ComplaintRouted(
        complaint_id="cp-1", division="pmd", routed_by="sekretariat",
        routed_at=sc.T0 + 3 * H)))
    shuffled = list(reversed(rerouted))
    assert queues_of(shuffled, "cp-1") == {"q:complaints_to_respond:all",
                                           "q:complaints_routed:d:pmd"}
    rejected = complaint_then(rerouted, (4, c.ComplaintRejected(
        complaint_id="cp-1", reason="spam", rejected_by="sekretariat",
        rejected_at=sc.T0 + 4 * H)))
    assert queues_of(rejected, "cp-1") == set()
    m = MemoryModel()
    m.apply(rejected)
    assert m.zsets["complaints:state:rejected"].keys() == {"cp-1"}
    kabid = keys_for(Principal(sub="kabid-pmd", roles=("division_head",), division="pmd"))
    assert ("complaints_routed", "q:complaints_routed:d:pmd") in kabid


def test_the_office_steps_move_cases_between_queues():
    assigned = sc.letter_case("c1", until="assigned")
    moved = then(assigned, (5, d.OfficerReassigned(
        case_id="c1", officer_id="petugas-rehsos-2", previous_officer_id="petugas-rehsos-1",
        reason="cuti", reassigned_by="kabid-rehsos")))
    assert queues_of(moved, "c1") == {"q:to_inform:o:petugas-rehsos-2",
                                      "q:in_progress:d:rehsos"}
    declined = then(assigned, (5, d.AudienceDeclined(
        case_id="c1", reason="di luar kewenangan", channel="surat", message="maaf",
        declined_by="petugas-rehsos-1")))
    assert queues_of(declined, "c1") == {"q:to_close:all"}
    returned = then(sc.letter_case("c1", until="disposed"), (3, d.DispositionReturned(
        case_id="c1", division="rehsos", reason="salah bidang", returned_by="kabid-rehsos")))
    assert queues_of(returned, "c1") == {"q:to_dispose:all"}
    report_back = then(sc.letter_case("c1", until="forwarded"), (80, d.ResultReportReturned(
        case_id="c1", note="lengkapi", from_status="forwarded", returned_by="kadis")))
    assert queues_of(report_back, "c1") == {"q:to_report:o:petugas-rehsos-1",
                                            "q:in_progress:d:rehsos"}


def test_open_escalations_are_queued_for_their_addressee_and_ops():
    late = sc.letter_case("c1", until="received", breach=True)
    m = MemoryModel()
    m.apply(late)
    assert "c1" in m.zsets["q:escalated:all"]
    assert "c1" in m.zsets["q:escalated:r:division_head:rehsos"]
    # the at-risk one is still open (the breached one was acknowledged by the scenario)
    view = m.view("c1")
    assert [x["reason"] for x in view["escalations"] if x["state"] == "open"] == ["at_risk"]


def test_the_governing_clock_orders_a_queue_and_gives_its_state():
    m = MemoryModel()
    m.apply(sc.walk_in_case("w1", until="requested", late=True, n=1)
            + sc.walk_in_case("w2", until="requested", at=sc.T0 - H, n=2))
    scores = m.zsets["q:walk_ins_waiting:all"]
    assert scores["w2"] < scores["w1"]  # due first, listed first
    from services.reporting.queues import item
    it = item("walk_ins_waiting", m.view("w1"))
    assert it["sla_state"] == "breached" and it["next_steps"] == ["direct"]
    assert it["due_at"] == (sc.T0 + timedelta(minutes=30)).isoformat(timespec="microseconds")
    assert it["subject"] == "bencana"


def test_each_role_works_from_its_queues():
    assert [n for n, _ in keys_for(Principal(sub="kadis", roles=("head_of_office",)))] == [
        "to_dispose", "to_close", "escalated"]
    kabid = keys_for(Principal(sub="kabid-rehsos", roles=("division_head",), division="rehsos"))
    assert ("to_receive", "q:to_receive:d:rehsos") in kabid
    officer = keys_for(Principal(sub="p1", roles=("officer",), division="rehsos"))
    assert [k for _, k in officer] == ["q:to_inform:o:p1", "q:to_hold:o:p1",
                                       "q:to_report:o:p1", "q:walk_ins:o:p1"]
    assert [n for n, _ in keys_for(Principal(sub="s", roles=("secretariat",)))] == [
        "walk_ins_waiting", "complaints_to_verify", "complaints_to_respond", "escalated"]
    assert keys_for(Principal(sub="a", roles=("analyst",))) == []


def full_case() -> list:
    """A letter case with every text the commands send."""
    at = sc.T0
    req = envelope(i.AudienceRequested(
        case_id="c9", channel="letter", visit_id="v-9",
        applicant=i.Applicant(name=sealed("Siti Aminah"), organization=sealed("LSM Peduli"),
                              contact=sealed("0812"),
                              identity=sc.identity(9)),
        purpose=sealed("bantuan panti"),
        form=i.RequestForm(subject="Panti asuhan", topics=["panti"],
                                                   participants=3,
                                                   preferred_date=date(2026, 3, 9)),
        letter=i.Letter(number="045/LSM/2026", dated=date(2026, 3, 1), addressed_to="Kadis",
                        sender=sealed("LSM Peduli"), referral_from="Dinsos Bangka"),
        requested_at=at), source="intake", sequence=1, time=at, id="r1")
    reg = envelope(i.RequestRegistered(case_id="c9", agenda_number="AUD/2026/000909",
                                       registered_at=at), source="intake", sequence=2,
                   time=at + timedelta(minutes=1), id="r2")
    return then([req, reg],
                (1, d.CaseDisposed(case_id="c9", division="rehsos", instructions="tindaklanjuti",
                                   priority="segera", disposed_by="kadis", copies=["pmd"])),
                (2, d.DispositionReceived(case_id="c9", division="rehsos",
                                          received_by="kabid-rehsos")),
                (3, d.OfficerAssigned(case_id="c9", officer_id="petugas-rehsos-1",
                                      assigned_by="kabid-rehsos")),
                (4, d.OfficerReassigned(case_id="c9", officer_id="petugas-rehsos-2",
                                        previous_officer_id="petugas-rehsos-1", reason="cuti",
                                        reassigned_by="kabid-rehsos")),
                (5, d.PreparationRecorded(case_id="c9", administration="undangan",
                                          materials="profil panti", equipment="proyektor",
                                          staff_review_required=True)),
                (6, d.StaffReviewSubmitted(case_id="c9", summary="telaahan: perlu rapat",
                                           involves_agencies=["Dinkes"],
                                           needs_leadership_meeting=True)),
                (7, d.ApplicantInformed(case_id="c9", channel="phone",
                                        message="Audiensi Senin 09.00",
                                        scheduled_for=at + 48 * H,
                                        informed_by="petugas-rehsos-2")),
                (50, d.AudienceHeld(case_id="c9", held_at=at + 50 * H, attendees=[sealed("Siti")],
                                    accompanied_by=["Kasi"], documents_complete=False,
                                    missing_documents=["akta"])),
                (60, d.ResultReportSubmitted(case_id="c9", summary="ringkasan", advice="saran",
                                             input="masukan", considerations="pertimbangan",
                                             solutions="solusi", recommendations=["r1", "r2"],
                                             submitted_by="petugas-rehsos-2")),
                (61, d.ResultReportForwarded(case_id="c9", forwarded_by="kabid-rehsos")),
                (62, d.CaseClosed(case_id="c9", closed_by="kadis", outcome="selesai")))


def test_the_case_file_holds_what_the_commands_sent():
    m = MemoryModel()
    m.apply(full_case())
    stored = build(m.docs["c9"])
    assert "Siti Aminah" not in str(stored) and "0812" not in str(stored)  # sealed
    f = SEALER.open_tree(stored)
    assert f["applicant"] == {"name": "Siti Aminah", "organization": "LSM Peduli",
                              "phone": "0812",
                              "identity": {"kind": "KTP", "masked": None}}  # sample token
    assert f["letter"]["sender"] == "LSM Peduli" and f["request"]["purpose"] == "bantuan panti"
    assert f["request"]["subject"] == "Panti asuhan" and f["request"]["participants"] == 3
    assert f["letter"]["referral_from"] == "Dinsos Bangka"
    assert f["letter"]["number"] == "045/LSM/2026"
    assert [(x["division"], x["instructions"], x["copies"], x["by"]) for x in f["dispositions"]] \
        == [("rehsos", "tindaklanjuti", ["pmd"], "kadis")]
    a = f["assignment"]
    assert (a["officer"], a["current_officer"]) == ("petugas-rehsos-1", "petugas-rehsos-2")
    assert a["reassignments"][0]["reason"] == "cuti"
    assert f["preparation"]["materials"] == "profil panti"
    assert f["staff_review"]["summary"] == "telaahan: perlu rapat"
    assert f["notifications"][0]["message"] == "Audiensi Senin 09.00"
    assert f["audience"]["missing_documents"] == ["akta"]
    assert {k: f["report"][k] for k in ("summary", "advice", "input", "considerations",
                                        "solutions", "recommendations")} == {
        "summary": "ringkasan", "advice": "saran", "input": "masukan",
        "considerations": "pertimbangan", "solutions": "solusi", "recommendations": ["r1", "r2"]}
    assert f["forwarding"]["by"] == "kabid-rehsos" and f["closure"]["outcome"] == "selesai"
    assert len(f["timeline"]) == 13
    raw = m.docs["c9"].dumps()
    assert b"hmac:9" not in raw  # no identity secrets
    assert sc.identity(9).sealed.encode() not in raw


def test_the_case_file_does_not_depend_on_order_or_redelivery():
    envs = full_case()
    a = MemoryModel()
    a.apply(envs)
    for seed in range(5):
        stream = envs * 2
        random.Random(seed).shuffle(stream)
        b = MemoryModel()
        for k in range(0, len(stream), 3):
            b.apply(stream[k:k + 3])
        assert b.snapshot() == a.snapshot()
        assert build(b.docs["c9"]) == build(a.docs["c9"])


P = Principal
READERS = {
    "front_office": P(sub="frontdesk", roles=("front_office",)),
    "secretariat": P(sub="sekretariat", roles=("secretariat",)),
    "head_of_office": P(sub="kadis", roles=("head_of_office",)),
    "kabid own": P(sub="kabid-rehsos", roles=("division_head",), division="rehsos"),
    "kabid copied": P(sub="kabid-pmd", roles=("division_head",), division="pmd"),
    "officer assigned": P(sub="petugas-rehsos-2", roles=("officer",), division="rehsos"),
}
OTHERS = {
    "kabid other": P(sub="kabid-linjamsos", roles=("division_head",), division="linjamsos"),
    "officer previous": P(sub="petugas-rehsos-1", roles=("officer",), division="rehsos"),
    "officer other division": P(sub="petugas-linjamsos-1", roles=("officer",),
                                division="linjamsos"),
    "analyst": P(sub="analis", roles=("analyst",)),
    "ops": P(sub="ops", roles=("ops",)),
    "admin": P(sub="admin", roles=("admin",)),
}


@pytest.mark.parametrize("who", list(READERS) + list(OTHERS))
def test_who_may_read_the_case_file(who):
    m = MemoryModel()
    m.apply(full_case())
    principal = READERS.get(who) or OTHERS[who]
    assert may_read(principal, m.view("c9")) is (who in READERS)


def test_search_keys():
    personal = Personal(SEALER)
    m = MemoryModel(personal)
    m.apply(full_case() + sc.complaint("cp-77", closed=False))
    index = {k for k, members in m.zsets.items() if k.startswith("s:")
             and ("c9" in members or "cp-77" in members)}
    blinded = [personal.blind(p) for p in search.query_prefixes("  SITI am ")]
    ref_key, name_keys = search.plan("  SITI am ", blinded)
    assert set(name_keys) <= index and len(name_keys) == 2
    names = [k for k in m.zsets if k.startswith("s:name:")]
    assert names and not any("siti" in k or "amin" in k for k in names)  # blind: no name
    for ref in ("AUD/2026/000909", "000909", "045/lsm/2026", "c9", "ADU-CP-77", "cp-77"):
        assert search.plan(ref, [])[0] in index, ref
    assert search.query_prefixes("Sití Ámi") == ["siti", "ami"]  # accents folded
    assert f"s:name:{personal.blind('aminah')}" in index
    assert f"s:name:{personal.blind('x')}" not in index


def test_an_erasure_drops_the_name_terms_and_their_index_keys():
    personal = Personal(SEALER)
    m = MemoryModel(personal)
    case = full_case()
    m.apply(case)
    assert any(k.startswith("s:name:") for k in m.zsets if m.zsets[k])
    erased = envelope(i.PersonalDataErased(erasure_id="e1", scope="case", case_ids=["c9"],
                                           erased_by="admin", erased_at=sc.T0 + 100 * H),
                      source="intake", sequence=3, time=sc.T0 + 100 * H, id="x1")
    m.apply([erased])
    assert not any(k.startswith("s:name:") for k in m.zsets if m.zsets[k])
    assert b"name_terms" not in m.docs["c9"].dumps()
    assert m.view("c9")["erased_at"]
    late = MemoryModel(personal)  # the erasure first, the request after: the same model
    late.apply([erased, *case])
    assert late.snapshot() == m.snapshot()


def documents_of(case: str = "c9") -> list:
    """Two documents attached to the case and one of them removed (audiensi.documents.v1)."""
    from contracts.documents import DocumentAttached, DocumentRemoved

    def attached(n: int, kind: str, by: str) -> DocumentAttached:
        return DocumentAttached(document_id=f"doc-{n}", case_id=case, kind=kind,
                                filename=f"berkas-{n}.pdf", content_type="application/pdf",
                                size=1000 * n, sha256=f"{n:064x}", title=f"Berkas {n}", by=by,
                                at=sc.T0 + n * H)

    events = [attached(1, "surat_permohonan", "frontdesk"),
              attached(2, "telaahan_staf", "petugas-rehsos-1"),
              DocumentRemoved(document_id="doc-2", case_id=case, by="petugas-rehsos-1",
                              at=sc.T0 + 3 * H, reason="salah unggah")]
    return [envelope(e, source="documents", sequence=n, time=sc.T0 + n * H,
                     id=deterministic_id("doc-event", case, n))
            for n, e in enumerate(events, start=1)]


def test_the_case_file_lists_the_documents_still_attached():
    envs = full_case() + documents_of()
    m = MemoryModel()
    m.apply(envs)
    f = build(m.docs["c9"])
    assert f["documents"] == [{
        "document_id": "doc-1", "kind": "surat_permohonan", "filename": "berkas-1.pdf",
        "content_type": "application/pdf", "size": 1000, "sha256": f"{1:064x}",
        "title": "Berkas 1", "by": "frontdesk",
        "at": (sc.T0 + H).isoformat(timespec="microseconds"), "href": "/documents/doc-1"}]
    assert f["status"] == "closed"  # documents do not move a case
    shuffled = envs * 2
    random.Random(3).shuffle(shuffled)
    b = MemoryModel()
    b.apply(shuffled)
    assert build(b.docs["c9"]) == f


def test_the_file_check_shows_which_documents_it_checked():
    envs = []
    for env in full_case() + documents_of():
        if env.type == "AudienceHeld":
            env = env.model_copy(update={"data": env.data.model_copy(
                update={"checked_documents": ["doc-1", "doc-2", "doc-9"]})})
        envs.append(env)
    m = MemoryModel()
    m.apply(envs)
    assert build(m.docs["c9"])["audience"]["checked_documents"] == [
        {"document_id": "doc-1", "kind": "surat_permohonan", "filename": "berkas-1.pdf",
         "removed": False},
        {"document_id": "doc-2", "kind": "telaahan_staf", "filename": "berkas-2.pdf",
         "removed": True},
        {"document_id": "doc-9", "kind": None, "filename": None, "removed": False}]
