"""The single writer's batches (chassis.batching): which queued records share one flush."""

from __future__ import annotations

import pytest

from chassis.batching import Batch, cut

pytestmark = pytest.mark.unit


def test_records_of_different_cases_queued_together_share_one_batch():
    assert cut([("a", 1), ("b", 2), ("c", 3)]) == [[1, 2, 3]]


def test_a_second_record_of_a_case_starts_the_next_batch_and_order_is_kept():
    keyed = [("a", "a1"), ("b", "b1"), ("a", "a2"), ("c", "c1"), ("a", "a3"), ("b", "b2")]
    batches = cut(keyed)
    assert batches == [["a1", "b1"], ["a2", "c1"], ["a3", "b2"]]
    flat = [item for batch in batches for item in batch]
    assert flat == [item for _, item in keyed]  # arrival order, so per-case order too
    for batch in batches:
        assert len({item[0] for item in batch}) == len(batch)  # a case once per batch


def test_a_batch_holds_at_most_its_limit():
    batches = cut([(k, k) for k in range(10)], most=4)
    assert [len(b) for b in batches] == [4, 4, 2]


def test_a_record_that_does_not_fit_is_refused():
    batch: Batch[int] = Batch(most=2)
    batch.add("a", 1)
    assert not batch.fits("a")
    with pytest.raises(ValueError):
        batch.add("a", 2)
    batch.add("b", 2)
    assert not batch.fits("c")
    assert batch.take() == [1, 2]
    assert len(batch) == 0 and batch.fits("a")
