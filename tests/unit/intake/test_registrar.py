from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.sealed import sample as sealed
from services.intake import registrar as books
from services.intake.errors import DomainError, VisitRefused

from .builders import AT, IDENTITY, check_in_cmd, letter_cmd, walk_in_cmd


def visit(**update) -> books.VisitRecord:
    record = books.check_in(None, check_in_cmd(), "cmd-visit", AT).visit
    return record.model_copy(update=update)


def test_a_check_in_is_a_guest_book_entry():
    outcome = books.check_in(None, check_in_cmd(), "cmd-visit", AT)
    [event] = outcome.events
    assert event.type == "VisitorCheckedIn" and event.visit_id == "v-1"
    assert event.identity == IDENTITY and event.checked_in_at == AT
    assert outcome.visit.command_id == "cmd-visit" and outcome.visit.used_by is None


def test_a_check_in_seen_before_writes_nothing():
    outcome = books.check_in(visit(), check_in_cmd(), "cmd-visit", AT)
    assert outcome.replay and outcome.events == [] and outcome.visit is None


def test_a_letter_is_requested_and_registered_with_the_next_agenda_number():
    first = books.register(None, None, letter_cmd("c-1"), "cmd-1", AT)
    assert [e.type for e in first.events] == ["AudienceRequested", "RequestRegistered"]
    assert first.agenda_number == "AUD/2026/000001" == first.events[1].agenda_number
    second = books.register(first.book, None, letter_cmd("c-2"), "cmd-2", AT)
    assert second.agenda_number == "AUD/2026/000002"
    assert second.book.last == 2 and second.book.recent == {"cmd-1": 1, "cmd-2": 2}


def test_a_command_applied_again_gets_its_own_number_back_and_writes_nothing():
    first = books.register(None, None, letter_cmd("c-1"), "cmd-1", AT)
    second = books.register(first.book, None, letter_cmd("c-2"), "cmd-2", AT)
    again = books.register(second.book, None, letter_cmd("c-1"), "cmd-1", AT)
    assert again.replay and again.events == [] and again.book is None
    assert again.agenda_number == "AUD/2026/000001"


def test_a_redelivered_command_whose_book_update_was_lost_gets_the_same_number():
    before = books.register(None, None, letter_cmd("c-0"), "cmd-0", AT).book
    once = books.register(before, None, letter_cmd("c-1"), "cmd-1", AT)
    twice = books.register(before, None, letter_cmd("c-1"), "cmd-1", AT)
    assert once.events == twice.events and once.agenda_number == "AUD/2026/000002"


def test_numbers_are_gap_free_and_the_book_forgets_only_old_commands():
    book = None
    for i in range(books.RECENT + 10):
        outcome = books.register(book, None, letter_cmd(f"c-{i}"), f"cmd-{i}", AT)
        assert outcome.agenda_number == books.agenda_number(2026, i + 1)
        book = outcome.book
    assert len(book.recent) == books.RECENT and "cmd-0" not in book.recent
    assert f"cmd-{books.RECENT + 9}" in book.recent


def test_the_agenda_year_is_the_office_year_wib():
    new_year_wib = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 00:30 WIB on 1 January 2027
    outcome = books.register(None, None, letter_cmd(), "cmd-1", new_year_wib)
    assert outcome.agenda_number == "AUD/2027/000001" and outcome.book.year == 2027


def test_a_walk_in_needs_a_guest_book_visit():
    with pytest.raises(VisitRefused) as err:
        books.register(None, None, walk_in_cmd(), "cmd-1", AT)
    assert err.value.status == 409 and err.value.field == "visit_id"


def test_a_walk_in_takes_the_visitors_identity_and_uses_up_the_visit():
    outcome = books.register(None, visit(), walk_in_cmd("c-2"), "cmd-2", AT + timedelta(minutes=5))
    requested = outcome.events[0]
    assert requested.applicant.name == sealed("Siti") and requested.applicant.identity == IDENTITY
    assert requested.applicant.contact == sealed("0812") and requested.visit_id == "v-1"
    assert outcome.agenda_number == "AUD/2026/000001"
    assert outcome.visit.used_by == "c-2" and outcome.visit.agenda_number == "AUD/2026/000001"


def test_an_urgent_walk_in_gets_no_agenda_number():
    outcome = books.register(None, visit(), walk_in_cmd("c-3", urgent=True), "cmd-3", AT)
    assert [e.type for e in outcome.events] == ["AudienceRequested"]
    assert outcome.events[0].urgent is True
    assert outcome.agenda_number is None and outcome.book is None
    assert outcome.visit.used_by == "c-3"


def test_the_same_walk_in_again_is_a_replay_but_another_request_on_the_visit_is_refused():
    used = visit(used_by="c-2", agenda_number="AUD/2026/000007")
    again = books.register(None, used, walk_in_cmd("c-2"), "cmd-2", AT)
    assert again.replay and again.events == [] and again.agenda_number == "AUD/2026/000007"
    with pytest.raises(VisitRefused):
        books.register(None, used, walk_in_cmd("c-9"), "cmd-9", AT)


def test_a_visit_from_yesterday_or_with_an_expired_identity_is_refused():
    with pytest.raises(VisitRefused):
        books.register(None, visit(), walk_in_cmd(), "cmd-2", AT + books.VISIT_VALID_FOR
                       + timedelta(seconds=1))
    expired = visit(identity=IDENTITY.model_copy(update={"valid_until": date(2026, 3, 1)}))
    with pytest.raises(VisitRefused) as err:
        books.register(None, expired, walk_in_cmd(), "cmd-2", AT)
    assert "expired" in err.value.text.en


def test_an_urgent_letter_never_reaches_the_book():
    urgent_letter = letter_cmd().model_copy(update={"urgent": True})
    with pytest.raises(DomainError) as err:
        books.register(None, None, urgent_letter, "cmd-1", AT)
    assert err.value.field == "urgent"
    with pytest.raises(DomainError):
        books.register(None, None, letter_cmd().model_copy(update={"letter": None}), "c", AT)


def test_a_command_retried_long_after_the_book_forgot_it_keeps_its_number():
    first = books.register(None, None, letter_cmd("c-1"), "cmd-1", AT)
    assert first.case_number == "AUD/2026/000001"
    book = first.book
    for i in range(books.RECENT + 1):  # the book forgets cmd-1
        book = books.register(book, None, letter_cmd(f"c-x{i}"), f"cmd-x{i}", AT).book
    assert "cmd-1" not in book.recent
    again = books.register(book, None, letter_cmd("c-1"), "cmd-1", AT, first.case_number)
    assert again.replay and again.events == [] and again.book is None
    assert again.agenda_number == "AUD/2026/000001"


def test_a_replay_after_new_year_keeps_the_number_of_its_year():
    first = books.register(None, None, letter_cmd("c-1"), "cmd-1", AT)
    next_year = AT.replace(year=2027)
    again = books.register(None, None, letter_cmd("c-1"), "cmd-1", next_year, first.case_number)
    assert again.agenda_number == "AUD/2026/000001" and again.replay
