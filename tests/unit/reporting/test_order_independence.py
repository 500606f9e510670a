"""Any interleaving, any batching, any number of redeliveries: the same model."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reporting import scenarios as sc

from .memory import MemoryModel

pytestmark = pytest.mark.unit

EVENTS = (sc.letter_case("c1", until="closed", breach=True, n=1)
          + sc.letter_case("c2", until="assigned", division="linjamsos", n=2)
          + sc.walk_in_case("w1", late=True, n=3)
          + sc.complaint("cp-1") + sc.visit("v-1"))


def in_order() -> dict:
    m = MemoryModel()
    for env in EVENTS:
        m.apply([env])
    return m.snapshot()


REFERENCE = in_order()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), dup=st.floats(0, 1), max_batch=st.integers(1, 40))
def test_shuffled_duplicated_batched_delivery_gives_the_same_model(seed, dup, max_batch):
    rnd = random.Random(seed)
    stream = list(EVENTS) + [e for e in EVENTS if rnd.random() < dup]
    rnd.shuffle(stream)
    m = MemoryModel()
    while stream:
        n = rnd.randint(1, max_batch)
        batch, stream = stream[:n], stream[n:]
        m.apply(batch)
    assert m.snapshot() == REFERENCE


def test_redelivering_everything_changes_nothing():
    m = MemoryModel()
    m.apply(EVENTS)
    before = m.snapshot()
    out = m.apply(EVENTS)
    assert not out.applied and len(out.duplicates) == len(EVENTS)
    assert out.delta.empty() and m.snapshot() == before


def test_population_is_order_independent_too():
    envs = sc.population(150, seed=3)
    a, b = MemoryModel(), MemoryModel()
    a.apply(envs)
    shuffled = list(envs) * 2
    random.Random(1).shuffle(shuffled)
    for k in range(0, len(shuffled), 97):
        b.apply(shuffled[k:k + 97])
    assert a.snapshot() == b.snapshot()
