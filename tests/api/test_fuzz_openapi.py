"""Schemathesis fuzzes every operation of the OpenAPI spec: no 5xx, and every 4xx is the JSON error shape."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from rekg.api.app import create_app
from rekg.api.settings import Settings
from rekg.graph import open_graph

# A private app: the fuzzer may POST/DELETE, and with a write token set it reaches the write paths too.
app = create_app(Settings(write_token="fuzz-token"), open_graph(validate_shapes=False))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    )
    content_type = response.headers.get("content-type") or [""]
    if 400 <= response.status_code < 500 and content_type[0].startswith("application/json"):
        body = response.json()
        assert set(body) >= {"error", "detail"}, body
