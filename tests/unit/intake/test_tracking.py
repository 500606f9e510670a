from services.intake.tracking import (
    MAX_ATTEMPTS,
    PATTERN,
    complaint_id_for,
    is_tracking_id,
    tracking_id,
)


def test_tracking_ids_look_like_the_example_and_are_stable():
    t = tracking_id("cmd-1", 2026)
    assert PATTERN.match(t) and t.startswith("ADU-2026-") and len(t) == 15
    assert tracking_id("cmd-1", 2026) == t and is_tracking_id(t) and is_tracking_id(t.lower())
    assert not set(t[9:]) & set("ILOU")


def test_each_attempt_draws_another_id():
    ids = {tracking_id("cmd-1", 2026, a) for a in range(MAX_ATTEMPTS)}
    assert len(ids) == MAX_ATTEMPTS


def test_ids_spread_over_many_commands():
    ids = {tracking_id(f"cmd-{i}", 2026) for i in range(20000)}
    assert len(ids) >= 19990  # 30 bits: collisions are rare, and handled by another draw


def test_the_complaint_id_is_derived_from_the_tracking_id():
    t = tracking_id("cmd-1", 2026)
    assert complaint_id_for(t) == complaint_id_for(t.lower()) != complaint_id_for(
        tracking_id("cmd-2", 2026))
    assert not is_tracking_id("ADU-2026-ABC") and not is_tracking_id("XYZ-2026-ABCDEF")
