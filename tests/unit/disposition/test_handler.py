"""The owning agent's bookkeeping, without a broker: intake events applied once, commands
turned into envelopes with deterministic ids and per-case sequences, redeliveries answered
from the record without writing."""

from __future__ import annotations

from chassis.auth import Principal
from chassis.commands import CommandMessage
from contracts import deterministic_id, envelope
from contracts.samples import samples
from services.disposition.handler import handle_command, handle_intake
from services.disposition.record import PROCESSED_KEPT, CaseRecord

from .scenario import AT, CASE, T0, registered, requested, withdrawn

KADIS = Principal(sub="kadis", roles=("head_of_office",))
KABID = Principal(sub="kabid-rehsos", roles=("division_head",), division="rehsos")


def intake(event, seq):
    return envelope(event, source="intake", sequence=seq, time=T0)


def msg(name, payload=None, actor=KADIS, command_id="cmd-1"):
    return CommandMessage(command_id=command_id, name=name, subject=CASE, payload=payload or {},
                          actor=actor, at=AT, correlation_id="corr-1", reply_to="r")


def registered_record() -> CaseRecord:
    rec = handle_intake(None, intake(requested(), 1)).record
    return handle_intake(rec, intake(registered(), 2)).record


DISPOSE = {"division": "rehsos", "instructions": "tindak lanjuti"}


def test_an_audience_request_creates_the_case():
    rec = handle_intake(None, intake(requested(), 1)).record
    assert (rec.case.status, rec.intake_seq, rec.seq) == ("requested", 1, 0)
    assert [h.event for h in rec.history] == ["AudienceRequested"]


def test_a_redelivered_or_older_intake_event_changes_nothing():
    rec = registered_record()
    assert handle_intake(rec, intake(registered(), 2)).record is None
    assert handle_intake(rec, intake(requested(), 1)).record is None
    assert handle_intake(rec, intake(withdrawn(), 3)).record.case.status == "withdrawn"


def test_a_withdrawal_of_a_finished_case_is_remembered_but_changes_no_state():
    rec = handle_intake(registered_record(), intake(withdrawn(), 3)).record
    again = handle_intake(rec, intake(withdrawn(), 4)).record
    assert again.intake_seq == 4 and again.case == rec.case and again.history == rec.history


def test_an_intake_event_for_an_unknown_case_is_a_problem_not_a_crash():
    out = handle_intake(None, intake(registered(), 2))
    assert out.record is None and "unknown case" in out.problem


def test_intake_events_that_are_not_about_the_workflow_are_ignored():
    visit = envelope(samples()[0], source="intake", sequence=1, time=T0)
    assert handle_intake(None, visit).record is None and handle_intake(None, visit).problem is None


def test_an_accepted_command_becomes_an_envelope_with_a_deterministic_id_and_next_sequence():
    out = handle_command(registered_record(), msg("disposition", DISPOSE))
    (env,) = out.envelopes
    assert env.id == deterministic_id("cmd-1", 0)
    assert (env.source, env.subject, env.sequence, env.type) == (
        "disposition", CASE, 1, "CaseDisposed")
    assert (env.actorid, env.actorrole, env.causationid, env.correlationid, env.time) == (
        "kadis", "head_of_office", "cmd-1", "corr-1", AT)
    assert out.reply.status == 200
    assert out.reply.body == {"case_id": CASE, "status": "disposed",
                              "events": [{"id": env.id, "type": "CaseDisposed"}]}
    assert out.record.seq == 1 and out.record.case.status == "disposed"
    assert out.record.history[-1].event == "CaseDisposed"


def test_sequences_continue_per_case():
    rec = handle_command(registered_record(), msg("disposition", DISPOSE)).record
    out = handle_command(rec, msg("receipt", actor=KABID, command_id="cmd-2"))
    assert out.envelopes[0].sequence == 2 and out.record.seq == 2


def test_a_redelivered_command_answers_the_stored_result_and_writes_nothing():
    first = handle_command(registered_record(), msg("disposition", DISPOSE))
    again = handle_command(first.record, msg("disposition", DISPOSE))
    assert again.envelopes == [] and again.record is None
    assert again.reply == first.reply


def test_a_refused_command_writes_nothing_and_says_why_in_both_languages():
    out = handle_command(registered_record(), msg("receipt", actor=KABID))
    assert out.envelopes == [] and out.record is None
    assert out.reply.status == 409
    assert out.reply.body["code"] == "not-disposed"
    assert out.reply.body["id"] == "Permohonan belum didisposisikan oleh Kepala Dinas"
    assert out.reply.body["en"] == "the request has not been disposed by the Head of Office yet"


def test_wrong_division_is_403_and_unknown_case_is_404():
    rec = handle_command(registered_record(), msg("disposition", DISPOSE)).record
    other = Principal(sub="kabid-linjamsos", roles=("division_head",), division="linjamsos")
    assert handle_command(rec, msg("receipt", actor=other, command_id="c2")).reply.status == 403
    assert handle_command(None, msg("disposition", DISPOSE)).reply.status == 404


def test_a_malformed_payload_is_422_with_field_errors():
    out = handle_command(registered_record(), msg("disposition", {"division": "rehsos"}))
    assert out.reply.status == 422 and out.record is None
    assert {"field": "instructions", "reason": "Field required"} in out.reply.body["errors"]
    assert handle_command(registered_record(), msg("nonsense")).reply.status == 422


def test_a_query_answers_the_case_and_the_callers_next_steps_without_writing():
    out = handle_command(registered_record(), msg("query"))
    assert out.record is None and out.envelopes == []
    body = out.reply.body
    assert (body["status"], body["agenda_number"], body["allowed_next_steps"]) == (
        "registered", "AUD/2026/000001", ["disposition", "cancellation"])
    assert [h["status"] for h in body["history"]] == ["requested", "registered"]
    assert handle_command(None, msg("query")).reply.status == 404


def test_the_record_survives_the_table_round_trip():
    rec = handle_command(registered_record(), msg("disposition", DISPOSE)).record
    assert CaseRecord.from_table(rec.to_table()) == rec


def test_only_the_last_processed_commands_are_remembered():
    rec = handle_command(registered_record(), msg("disposition", DISPOSE)).record
    for i in range(PROCESSED_KEPT + 5):
        rec = rec.model_copy(update={"processed": rec.remember(f"x{i}", 200, {})})
    assert len(rec.processed) == PROCESSED_KEPT
    assert rec.seen("cmd-1") is None and rec.seen(f"x{PROCESSED_KEPT + 4}") is not None
