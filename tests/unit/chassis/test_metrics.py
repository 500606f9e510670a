from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from chassis.metrics import install_metrics, method_label


def test_unknown_methods_share_one_label():
    assert method_label("GET") == "GET" and method_label("POST") == "POST"
    assert method_label("FOOBAR") == method_label("X" * 100) == "other"


def test_a_request_with_an_invented_method_is_counted_as_other():
    api = FastAPI()
    install_metrics(api, "metrics-test")
    TestClient(api).request("BREW", "/nowhere")
    labels = {s.labels["method"] for m in REGISTRY.collect()
              if m.name == "audiensi_http_requests" for s in m.samples
              if s.labels.get("service") == "metrics-test"}
    assert labels == {"other"}


class _TP:
    def __init__(self, topic: str, partition: int) -> None:
        self.topic, self.partition = topic, partition

    def __hash__(self) -> int:
        return hash((self.topic, self.partition))

    def __eq__(self, other: object) -> bool:
        return (self.topic, self.partition) == (other.topic, other.partition)


class _FaustConsumer:
    """faust's consumer as `faust_lag` reads it: assignment, fetched end, committed."""

    def __init__(self, ends: dict, committed: dict) -> None:
        self.ends, self._committed_offset = ends, committed

    def assignment(self):
        return set(self.ends)

    def highwater(self, tp):
        return self.ends[tp]


def _samples(name: str, service: str) -> dict[tuple[str, str], float]:
    return {(s.labels["topic"], s.labels["partition"]): s.value for m in REGISTRY.collect()
            if m.name == name for s in m.samples if s.labels.get("service") == service}


def test_consumer_lag_is_scraped_per_partition_held_and_dropped_when_gone():
    from types import SimpleNamespace

    from chassis.metrics import faust_lag

    a, b = _TP("audiensi.intake.v1", 0), _TP("audiensi.intake.v1", 1)
    consumer = _FaustConsumer({a: 10, b: 7}, {a: 4})
    app = SimpleNamespace(_consumer=consumer)
    api = FastAPI()
    install_metrics(api, "lag-test", lag=lambda: faust_lag(app))
    client = TestClient(api)
    assert client.get("/metrics").status_code == 200
    assert _samples("audiensi_consumer_lag_records", "lag-test") == {
        ("audiensi.intake.v1", "0"): 6.0, ("audiensi.intake.v1", "1"): 7.0}
    consumer.ends = {b: 9}  # partition 0 went to another worker
    consumer._committed_offset = {b: 9}
    text = client.get("/metrics").text
    assert _samples("audiensi_consumer_lag_records", "lag-test") == {
        ("audiensi.intake.v1", "1"): 0.0}
    assert 'audiensi_consumer_lag_records{partition="1",service="lag-test"' in text


def test_a_dead_letter_is_counted_per_service_and_topic():
    from types import SimpleNamespace

    from chassis.pipeline import AgentIO

    class Publisher:
        async def publish(self, envelopes):
            self.sent = envelopes

    import asyncio

    message = SimpleNamespace(topic="audiensi.dl-test.commands.v1", partition=0, offset=3,
                              key=b"k", value=b"not a command")
    io = AgentIO("dl-test", Publisher(), lambda: None)
    asyncio.run(io.dead_letter(message, "not a command"))
    found = {s.labels["topic"]: s.value for m in REGISTRY.collect()
             if m.name == "audiensi_deadletters" for s in m.samples
             if s.labels.get("service") == "dl-test" and s.name.endswith("_total")}
    assert found == {"audiensi.dl-test.commands.v1": 1.0}


def test_a_request_is_counted_by_its_route_template_and_status():
    api = FastAPI()
    install_metrics(api, "route-test")

    @api.get("/cases/{case_id}")
    def case(case_id: str) -> dict:
        return {"case_id": case_id}

    client = TestClient(api)
    assert client.get("/cases/c-1").status_code == 200
    assert client.get("/cases/c-2").status_code == 200
    counted = {(s.labels["route"], s.labels["status"]): s.value for m in REGISTRY.collect()
               if m.name == "audiensi_http_requests" for s in m.samples
               if s.labels.get("service") == "route-test" and s.name.endswith("_total")}
    assert counted == {("/cases/{case_id}", "200"): 2.0}
