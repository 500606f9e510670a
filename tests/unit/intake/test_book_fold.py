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


def batch(book, ids):
    """Registrations applied one after the other from `book`, as the batched registrar does
    before its one flush: [(command id, outcome)], and the book after them."""
    out = []
    for i in ids:
        outcome = books.register(book, None, letter_cmd(f"c-{i}"), f"cmd-{i}", AT)
        out.append((f"cmd-{i}", outcome))
        book = outcome.book or book  # a replay changes nothing
    return out, book


def test_a_crash_in_a_batch_leaves_no_gap_and_gives_no_number_twice():
    before, book = batch(None, range(3))  # numbers 1-3 on the log and in the book
    table = {books.book_key(2026): book.model_dump(mode="json")}
    applied, _ = batch(book, range(3, 7))  # numbers 4-7 in one flush: 5 and 7 landed
    landed = [applied[1], applied[3]]
    fold(table, [env for cmd, o in landed for env in envelopes(o.events, cmd)])
    book = books.AgendaBook.model_validate(table[books.book_key(2026)])
    assert book.last == 7
    # the batch is redelivered in order: the landed ones get their number back, the others
    # take the free ones, in the same order: each its number of the first time
    again, book = batch(book, range(3, 7))
    assert [o.agenda_number for _, o in again] == [o.agenda_number for _, o in applied]
    assert [o.replay for _, o in again] == [False, True, False, True]
    following = books.register(book, None, letter_cmd("c-8"), "cmd-8", AT)
    assert following.agenda_number == "AUD/2026/000008"


def test_the_book_keeps_the_highest_numbers_whatever_order_they_are_folded_in():
    applied, _ = batch(None, range(books.RECENT + 20))
    envs = [env for cmd, o in applied for env in envelopes(o.events, cmd)]
    registered = [e for e in envs if e.type == "RequestRegistered"]
    shuffled = registered[1::2] + registered[0::2]  # two partitions read one after the other
    book = books.AgendaBook.model_validate(fold({}, shuffled)[books.book_key(2026)])
    assert book.last == books.RECENT + 20
    assert sorted(book.recent.values()) == list(range(21, books.RECENT + 21))
    assert books.next_number(book) == books.RECENT + 21


def test_a_free_number_among_the_recent_ones_is_given_first():
    _, book = batch(None, range(5))
    holed = book.model_copy(update={"recent": {k: v for k, v in book.recent.items() if v != 3}})
    assert books.next_number(holed) == 3
    assert books.next_number(book) == 6
