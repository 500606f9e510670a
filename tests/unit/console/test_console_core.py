"""The console's pure parts: SLA badges, the sign-in backoff, the forms' API bodies, the
CSRF token, the local accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.datastructures import FormData

from chassis.org import load_org
from chassis.settings import Settings
from services.console.accounts import Accounts, SeedRefused, dev_seed
from services.console.badges import badge, by_next_breach, duration
from services.console.forms import STEPS, FormError, body, letter_body
from services.console.security import Csrf
from services.console.throttle import Backoff
from services.console.views import tiles, wib

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def iso(delta: timedelta) -> str:
    return (NOW + delta).isoformat()


def test_badge_says_its_state_in_words_and_icon_and_the_time_left():
    b = badge("at_risk", iso(timedelta(hours=2, minutes=5)), NOW)
    assert (b.state, b.words, b.remaining) == ("at_risk", "Berisiko", "sisa 2 j 05 m")
    assert b.icon == "\u26a0" and "Berisiko" in b.text


def test_breached_badge_counts_negative_time_and_catches_up_with_the_clock():
    late = badge("breached", iso(-timedelta(minutes=12)), NOW)
    assert late.words == "Terlambat" and late.remaining == "lewat \u221212 m"
    assert late.seconds == -720
    # the read model still says on track, but the due time has passed
    assert badge("on_track", iso(-timedelta(seconds=5)), NOW).state == "breached"
    assert badge(None, None, NOW, "en").text == "No deadline"
    assert badge("on_track", iso(timedelta(days=1, hours=3)), NOW, "en").remaining == \
        "1 d 03 h 00 m left"


def test_durations():
    assert [duration(s) for s in (5, 60, 3600 + 120, -90)] == ["5 d", "1 m", "1 j 02 m", "1 m"]
    assert [duration(s, "en") for s in (5, 3600 + 120, 86400 + 60)] == ["5 s", "1 h 02 m",
                                                                       "1 d 00 h 01 m"]


def test_items_are_sorted_by_next_breach_then_by_age():
    items = [{"case_id": "c", "due_at": None, "since": "2026-12-01"},
             {"case_id": "b", "due_at": iso(timedelta(hours=1)), "since": "2026-12-02"},
             {"case_id": "a", "due_at": iso(-timedelta(hours=1)), "since": "2026-12-03"},
             {"case_id": "d", "due_at": None, "since": "2026-11-30"}]
    assert [i["case_id"] for i in by_next_breach(items)] == ["a", "b", "d", "c"]
    (tile,) = tiles([{"queue": "to_dispose", "count": 4, "items": items}], NOW, "id")
    assert tile["title"] == "Surat untuk didisposisi" and tile["count"] == 4
    assert [i["badge"].state for i in tile["entries"]] == ["breached", "on_track", "none",
                                                           "none"]


def test_office_time_is_wib_in_indonesian_format():
    assert wib("2026-12-03T08:05:00+00:00") == "3 Des 2026 15.05 WIB"
    assert wib("2026-12-03T08:05:00Z", "en") == "3 Dec 2026 15:05 WIB"
    assert wib(None) == "—"


def test_backoff_slows_a_username_down_after_three_failures_and_forgets_on_success():
    b = Backoff(free=3, base=1.0, cap=8.0)
    assert [b.failed("Kadis", 100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.wait("kadis", 100.0) == 0.0
    assert b.failed("kadis", 100.0) == 1.0 and b.wait("KADIS", 100.5) == 0.5
    assert [b.failed("kadis", 200.0) for _ in range(4)] == [2.0, 4.0, 8.0, 8.0]
    assert b.wait("frontdesk", 200.0) == 0.0  # per username
    b.succeeded("kadis")
    assert b.wait("kadis", 200.0) == 0.0


def test_backoff_is_bounded_in_memory():
    b = Backoff(max_names=3)
    for name in "abcd":
        b.failed(name, 0.0)
    assert len(b._records) == 3


def form(pairs: list[tuple[str, str]]) -> FormData:
    return FormData(pairs)


def test_step_bodies_from_forms():
    assert body("disposition", form([("division", "rehsos"), ("copies", "pmd"),
                                     ("copies", "dayasos"), ("instructions", " Mohon "),
                                     ("priority", "")])) == {
        "division": "rehsos", "copies": ["pmd", "dayasos"], "instructions": "Mohon"}
    assert body("receipt", form([])) == {}
    held = body("audience", form([("held_at", "2026-12-03T09:30"),
                                  ("attendees", "Pemohon\n\n Kepala Desa \n"),
                                  ("missing_documents", "")]))
    assert held == {"held_at": "2026-12-03T09:30:00+07:00",
                    "attendees": ["Pemohon", "Kepala Desa"], "documents_complete": True}
    # an empty required field is sent empty, so the service says why (in the reader's language)
    assert body("closure", form([("outcome", "")])) == {"outcome": ""}
    with pytest.raises(FormError) as bad:
        body("notification", form([("channel", "telepon"), ("message", "x"),
                                   ("scheduled_for", "besok")]))
    assert bad.value.field == "scheduled_for"
    assert all(s.path and s.label.get("id") != s.label.get("en") for s in STEPS.values())


def test_letter_body_is_intakes_request():
    got = letter_body(form([("letter_number", "005/1/2026"), ("letter_dated", "2026-12-01"),
                            ("sender", "Kepala Desa"), ("addressed_to", "Kepala Dinas"),
                            ("applicant_name", "Budi"), ("subject", "Rehsos"),
                            ("purpose", "Audiensi"), ("participants", "3")]))
    assert got == {"channel": "letter", "urgent": False, "applicant": {"name": "Budi"},
                   "purpose": "Audiensi", "form": {"subject": "Rehsos", "participants": 3},
                   "letter": {"number": "005/1/2026", "dated": "2026-12-01",
                              "addressed_to": "Kepala Dinas", "sender": "Kepala Desa"}}


def test_csrf_token_is_the_nonce_signed():
    csrf = Csrf("s" * 32)
    nonce = csrf.new_nonce()
    assert csrf.valid(nonce, csrf.token(nonce))
    assert not csrf.valid(nonce, csrf.token(csrf.new_nonce()))
    assert not csrf.valid(nonce, Csrf("t" * 32).token(nonce))
    assert not csrf.valid(nonce, None) and not csrf.valid(None, csrf.token(nonce))
    assert not csrf.valid(nonce, nonce)


@pytest.fixture(scope="module")
def org():
    return load_org(Settings().org_file)


def test_dev_seed_is_argon2id_for_every_active_user_and_refused_in_production(org):
    with pytest.raises(SeedRefused):
        dev_seed(org, production=True)
    hashes = dev_seed(org, production=False)
    assert set(hashes) == {u.id for u in org.users if u.active}
    assert all(h.startswith("$argon2id$") for h in hashes.values())
    assert len(set(hashes.values())) == len(hashes)  # salted: no two alike
    accounts = Accounts(org, {"kadis": hashes["kadis"]})
    assert accounts.verify("kadis", "audiensi").id == "kadis"
    assert accounts.verify("kadis", "salah") is None
    assert accounts.verify("tidak-ada", "audiensi") is None
