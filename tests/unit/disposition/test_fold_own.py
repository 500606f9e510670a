"""A record that lost the table writes of its last steps, folded with those steps' events
from the topic, is the record that kept them: same case, sequence, history and stored
replies (a redelivered command is answered as the first time)."""

from __future__ import annotations

from chassis.auth import Principal
from contracts.sealed import sample as sealed
from services.disposition.handler import fold_own, handle_command

from .test_handler import DISPOSE, KABID, msg, registered_record


def steps():
    rec = registered_record()
    outs = []
    for name, payload, actor, cid in [
            ("disposition", {**DISPOSE, "division": "linjamsos"}, None, "cmd-1"),
            ("disposition", DISPOSE, None, "cmd-2"),
            ("receipt", None, KABID, "cmd-3")]:
        kwargs = {"actor": actor} if actor else {}
        out = handle_command(rec, msg(name, payload, command_id=cid, **kwargs))
        assert out.reply.status == 200, out.reply
        outs.append(out)
        rec = out.record
    return registered_record(), outs


def test_folding_the_lost_steps_gives_the_record_that_kept_them():
    start, outs = steps()
    for lost_from in range(len(outs)):
        kept = outs[lost_from - 1].record if lost_from else start
        rec = kept
        for out in outs[lost_from:]:
            for env in out.envelopes:
                rec = fold_own(rec, env)
        final = outs[-1].record
        assert (rec.case, rec.seq, rec.history) == (final.case, final.seq, final.history)
        assert {p.command_id: p for p in rec.processed} == {
            p.command_id: p for p in final.processed}


def test_an_event_the_record_holds_changes_nothing():
    _, outs = steps()
    final = outs[-1].record
    for out in outs:
        for env in out.envelopes:
            assert fold_own(final, env) is final


def test_after_the_fold_a_redelivered_command_is_answered_as_the_first_time():
    start, outs = steps()
    rec = start
    for out in outs:
        for env in out.envelopes:
            rec = fold_own(rec, env)
    again = handle_command(rec, msg("receipt", actor=KABID, command_id="cmd-3"))
    assert again.envelopes == [] and again.record is None
    assert again.reply == outs[2].reply


def office_steps():
    """A case through every office step (issue 12), as the handler applies them."""
    officer = Principal(sub="petugas-rehsos-1", roles=("officer",), division="rehsos")
    officer_2 = Principal(sub="petugas-rehsos-2", roles=("officer",), division="rehsos")
    soon, later = "2026-03-05T02:00:00+00:00", "2026-03-06T02:00:00+00:00"
    rec = registered_record()
    outs = []
    for n, (name, payload, actor) in enumerate([
            ("disposition", {**DISPOSE, "copies": ["linjamsos"]}, None),
            ("disposition-return", {"reason": "salah bidang"}, KABID),
            ("disposition", DISPOSE, None),
            ("receipt", None, KABID),
            ("assignment", {"officer_id": "petugas-rehsos-1", "officer_division": "rehsos"},
             KABID),
            ("reassignment", {"officer_id": "petugas-rehsos-2", "reason": "sakit",
                              "officer_division": "rehsos"}, KABID),
            ("notification", {"channel": "phone", "message": "m", "scheduled_for": soon},
             officer_2),
            ("rescheduling", {"channel": "phone", "message": "m", "scheduled_for": later},
             officer_2),
            ("audience", {"held_at": later, "attendees": [sealed("Budi")]}, officer_2),
            ("report", {"summary": "s", "advice": "a", "input": "i"}, officer_2),
            ("report-return", {"note": "lengkapi"}, KABID),
            ("report", {"summary": "s2", "advice": "a"}, officer_2)]):
        kwargs = {"actor": actor} if actor else {}
        out = handle_command(rec, msg(name, payload, command_id=f"office-{n}", **kwargs))
        assert out.reply.status == 200, (name, out.reply)
        outs.append(out)
        rec = out.record
    assert rec.case.officer_id == "petugas-rehsos-2" and officer.sub in rec.case.previous_officers
    return registered_record(), outs


def test_folding_lost_office_steps_gives_the_record_that_kept_them():
    start, outs = office_steps()
    final = outs[-1].record
    assert final.case.status == "reported"
    for lost_from in range(len(outs)):
        rec = outs[lost_from - 1].record if lost_from else start
        for out in outs[lost_from:]:
            for env in out.envelopes:
                rec = fold_own(rec, env)
        assert (rec.case, rec.seq, rec.history) == (final.case, final.seq, final.history)
        assert {p.command_id: p for p in rec.processed} == {
            p.command_id: p for p in final.processed}
