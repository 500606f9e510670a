"""The registrar's books rebuilt from its own events: after lost book writes, the counter is
the highest number on the topic for its year, commands and cases find their numbers, and a
visit is used by its request."""

from __future__ import annotations

from contracts import envelope
from services.intake import registrar as books

from .builders import AT, check_in_cmd, letter_cmd, walk_in_cmd


def envelopes(events, command_id):
    return [envelope(e, source="intake", sequence=i + 1, time=AT, causationid=command_id)
            for i, e in enumerate(events)]


def fold(table, envs):
    folder = books.BookFold()
    for env in envs:
        table.update(folder.apply(table.get, env))
    return table


def test_lost_book_writes_are_rebuilt_from_the_events():
    first = books.register(None, None, letter_cmd("c-1"), "cmd-1", AT)
    second = books.register(first.book, None, letter_cmd("c-2"), "cmd-2", AT)
    table = {books.book_key(2026): first.book.model_dump(mode="json")}  # the 2nd write lost
    fold(table, envelopes(first.events, "cmd-1") + envelopes(second.events, "cmd-2"))
    book = books.AgendaBook.model_validate(table[books.book_key(2026)])
    assert book.last == 2 and book.recent == {"cmd-1": 1, "cmd-2": 2}
    assert table[books.case_key("c-2")] == "AUD/2026/000002"
    third = books.register(book, None, letter_cmd("c-3"), "cmd-3", AT)
    assert third.agenda_number == "AUD/2026/000003", "never the same number twice"
    replay = books.register(book, None, letter_cmd("c-2"), "cmd-2", AT)
    assert replay.replay and replay.agenda_number == "AUD/2026/000002"


def test_an_empty_table_follows_the_topic_and_nothing_is_written_twice():
    visit = books.check_in(None, check_in_cmd(), "cmd-visit", AT)
    walk = books.register(None, visit.visit, walk_in_cmd("c-9"), "cmd-9", AT)
    envs = envelopes(visit.events, "cmd-visit") + envelopes(walk.events, "cmd-9")
    table = fold({}, envs)
    used = books.VisitRecord.model_validate(table[books.visit_key("v-1")])
    assert (used.used_by, used.agenda_number, used.command_id) == (
        "c-9", "AUD/2026/000001", "cmd-visit")
    folder = books.BookFold()
    assert all(folder.apply(table.get, env) == {} for env in envs), "already there"
