"""One error shape for the whole app: every route answers bad input with a 4xx JSON
``{"error", "detail"}``, and never with a 500.

The test walks ``app.routes`` (so routes added later are covered without touching it) and,
for each, sends wrong methods, malformed path parameters, wrongly typed or unknown values
for the query parameters its OpenAPI operation declares, a request without its required
parameters, and broken bodies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient

try:  # FastAPI >= 0.13x wraps included routers; this yields the routes inside them.
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI lists the routes directly
    iter_route_contexts = None  # type: ignore[assignment]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PATH_JUNK = ("%00", "%ff%fe", "..", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "x" * 2000, "%3Cscript%3E", "a%20b%0A", "-1")
TEXT_JUNK = ("", "%00", "%ff", "'; DROP GRAPH <urn:x> ; --", "x" * 3000, "<script>alert(1)</script>", "\u202e\ufeff")
PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def routes(app: Any) -> Iterator[tuple[str, set[str]]]:
    """(path template, methods) for every route of the app, included routers flattened."""
    found: dict[str, set[str]] = {}
    items = iter_route_contexts(app.routes) if iter_route_contexts else app.routes
    for route in items:
        path = getattr(route, "path_format", None) or getattr(route, "path", None)
        if not path:
            continue
        found.setdefault(path, set()).update(getattr(route, "methods", None) or set())
    yield from found.items()


def resolve(schema: dict, components: dict) -> dict:
    """The first non-null alternative of a parameter schema, with $refs followed."""
    while True:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema or "oneOf" in schema:
            options = [s for s in schema.get("anyOf", schema.get("oneOf", [])) if s.get("type") != "null"]
            schema = options[0] if options else {}
        else:
            return schema


def typed_junk(schema: dict, components: dict) -> list[str]:
    """Values that break the declared type: each must be refused with a 4xx."""
    schema = resolve(schema, components)
    if schema.get("type") == "array":
        return typed_junk(schema.get("items", {}), components)
    if "enum" in schema:
        return ["no-such-choice", "%00"]
    kind = schema.get("type")
    if kind == "integer":
        return ["not-a-number", "1.5"]
    if kind == "number":
        return ["not-a-number"]
    if kind == "boolean":
        return ["perhaps"]
    if schema.get("format") == "date":
        return ["2025-02-30", "yesterday"]
    if "maxLength" in schema:
        return ["x" * (int(schema["maxLength"]) + 1)]
    return []


def fill(path: str, value: str = "dysprosium") -> str:
    return PARAM.sub(value, path)


def test_every_endpoint_answers_bad_input_with_a_4xx_json_error(client: TestClient) -> None:
    app = client.app
    spec = app.openapi()  # type: ignore[attr-defined]
    components = spec.get("components", {}).get("schemas", {})
    problems: list[str] = []
    checked = 0

    def check(method: str, url: str, *, must_fail: bool, **kwargs: Any) -> None:
        nonlocal checked
        checked += 1
        r = client.request(method, url, **kwargs)
        where = f"{method} {url[:120]}"
        if r.status_code >= 500:
            problems.append(f"{where}: {r.status_code} {r.text[:200]}")
            return
        if must_fail and not 400 <= r.status_code < 500:
            problems.append(f"{where}: expected a 4xx, got {r.status_code}")
            return
        if r.status_code >= 400:
            try:
                body = r.json()
            except ValueError:
                problems.append(f"{where}: {r.status_code} is not JSON: {r.text[:120]!r}")
                return
            if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body.get("detail")):
                problems.append(f"{where}: {r.status_code} body lacks error/detail: {str(body)[:200]}")

    check("GET", "/no-such-endpoint", must_fail=True)
    for path, methods in routes(app):
        allowed = methods | {"HEAD", "OPTIONS"}
        for method in METHODS:
            if method not in allowed:
                check(method, fill(path), must_fail=True)
        for name in PARAM.findall(path):
            for junk in PATH_JUNK:
                check(
                    "GET" if "GET" in methods else sorted(methods)[0],
                    PARAM.sub(lambda m, n=name, j=junk: j if m.group(1) == n else "dysprosium", path),
                    must_fail=False,
                )
        operations = spec.get("paths", {}).get(path, {})
        for method in sorted(methods - {"HEAD"}):
            op = operations.get(method.lower())
            if op is None:
                continue
            url = fill(path)
            params = [p for p in op.get("parameters", []) if p.get("in") == "query"]
            if any(p.get("required") for p in params):
                check(method, url, must_fail=True)
            for p in params:
                for value in typed_junk(p.get("schema", {}), components):
                    check(method, f"{url}?{quote(p['name'])}={value}", must_fail=True)
                for value in TEXT_JUNK:
                    check(method, f"{url}?{quote(p['name'])}={quote(value, safe='%')}", must_fail=False)
            if "requestBody" in op:
                check(method, url, must_fail=True, content=b"{not json", headers={"content-type": "application/json"})
                check(
                    method,
                    url,
                    must_fail=True,
                    content=b"\x00\xff\xfe",
                    headers={"content-type": "application/octet-stream"},
                )
                check(method, url, must_fail=False, content=b"")
    assert checked > 100
    assert not problems, "\n".join(problems)
