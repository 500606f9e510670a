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
