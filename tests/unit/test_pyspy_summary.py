"""bench/pyspy.py: how a py-spy raw profile is read into the command path profile."""

from __future__ import annotations

import pytest

from bench.pyspy import summarise

pytestmark = pytest.mark.unit

RAW = [
    "<module> (services/disposition/__main__.py:1);run (chassis/web.py:10);"
    "select (selectors.py:451) 6",
    "<module> (services/disposition/__main__.py:1);on_batch (services/disposition/agents.py:40);"
    "model_dump (pydantic/main.py:400) 3",
    "<module> (services/disposition/__main__.py:1);on_batch (services/disposition/agents.py:40) 1",
    "not a sample line",
]


def test_samples_are_charged_to_the_leaf_layer_and_to_every_own_function_on_the_stack():
    s = summarise(RAW)
    assert s.samples == 10
    layers = dict(s.layers)
    assert layers["asyncio event loop"] == pytest.approx(0.6)  # waiting in select
    assert layers["pydantic (validate / serialise)"] == pytest.approx(0.3)
    assert layers["own code (services)"] == pytest.approx(0.1)
    own = dict(s.own)
    assert own["services/disposition/__main__.py:<module>"] == pytest.approx(1.0)
    assert own["services/disposition/agents.py:on_batch"] == pytest.approx(0.4)
    assert own["chassis/web.py:run"] == pytest.approx(0.6)
    assert dict(s.leaves)["pydantic/main.py:model_dump"] == pytest.approx(0.3)


def test_an_empty_profile_has_no_shares():
    assert summarise([]).samples == 0
