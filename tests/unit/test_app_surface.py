"""The app's surface without storage: routes, errors, CORS, OpenAPI, cold imports."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import get_type_hints

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import config, http, openapi, shapes
from tests.helpers import error_of


@pytest.fixture()
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    monkeypatch.setenv("PEKEN_ALLOWED_ORIGINS", "https://peken.example,https://admin.peken.example")
    config.settings.cache_clear()
    with Client(app_module.app, stage_name="local") as c:
        yield c
    config.settings.cache_clear()


def test_health(client: Client) -> None:
    response = client.http.get("/v1/health")
    assert response.status_code == 200
    assert response.json_body == {"status": "ok"}


def test_wrong_method_is_405_in_error_shape(client: Client) -> None:
    response = client.http.delete("/v1/health")
    assert response.status_code == 405
    assert error_of(response.json_body)["code"] == "method_not_allowed"
    assert response.headers["Allow"] == "GET"


def test_missing_token_is_401_in_error_shape(client: Client) -> None:
    response = client.http.get("/v1/me")
    assert response.status_code == 401
    assert error_of(response.json_body)["code"] == "unauthorized"


def test_malformed_json_is_400_naming_the_body(client: Client) -> None:
    response = client.http.post("/v1/dev/token", body=b'{"user_id": ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    err = error_of(response.json_body)
    assert err["code"] == "validation_error" and err["details"]["field"] == "body"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"groups": ["buyer"]}, "user_id"),
        ({"user_id": "u", "groups": "buyer"}, "groups"),
        ({"user_id": "u", "groups": ["root"]}, "groups"),
        ({"user_id": "u", "nip": "123"}, "nip"),
        ({"user_id": "u", "surprise": 1}, "surprise"),
        ({"user_id": 42}, "user_id"),
    ],
)
def test_bad_dev_token_requests_name_the_field(client: Client, body: dict[str, object], field: str) -> None:
    response = client.http.post("/v1/dev/token", body=json.dumps(body).encode())
    assert response.status_code == 422
    assert error_of(response.json_body)["details"]["field"] == field


def test_dev_token_is_404_outside_the_local_stage() -> None:
    config.settings.cache_clear()
    with Client(app_module.app, stage_name="prod") as prod:
        response = prod.http.post("/v1/dev/token", body=b'{"user_id": "u", "groups": ["admin"]}')
    config.settings.cache_clear()
    assert response.status_code == 404
    assert error_of(response.json_body)["code"] == "not_found"


def _dev_routes_when(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith("PEKEN_")}
    code = "import app; print(sorted(p for p in app.app.routes if p.startswith('/v1/dev/')))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**clean, **env})


@pytest.mark.parametrize(
    "env, routes",
    [
        ({"PEKEN_STAGE": "prod"}, "[]"),
        ({"PEKEN_STAGE": "local"}, "[]"),  # the stage alone does not open them
        ({"PEKEN_STAGE": "dev", "PEKEN_DEV_ROUTES": "1"}, "[]"),  # nor the switch on a deployed stage
        ({"PEKEN_STAGE": "local", "PEKEN_DEV_ROUTES": "1"}, "['/v1/dev/checkouts/{checkout_id}/pay', '/v1/dev/token']"),
    ],
)
def test_dev_routes_exist_only_where_the_local_stack_asks_for_them(env: dict[str, str], routes: str) -> None:
    result = _dev_routes_when(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == routes


def test_an_unnamed_stage_fails_closed() -> None:
    result = _dev_routes_when({})
    assert result.returncode != 0 and "PEKEN_STAGE is not set" in result.stderr


def test_cors_allows_configured_origins_only(client: Client) -> None:
    allowed = client.http.get("/v1/categories", headers={"Origin": "https://peken.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://peken.example"
    other = client.http.get("/v1/categories", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.http.request("OPTIONS", "/v1/me", headers={"Origin": "https://admin.peken.example"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://admin.peken.example"
    assert set(preflight.headers["Access-Control-Allow-Methods"].split(",")) == {"GET", "PUT", "OPTIONS"}
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]


def test_categories_are_the_api_md_list(client: Client) -> None:
    body = client.http.get("/v1/categories").json_body
    assert [c["id"] for c in body["items"]] == ["sembako", "kuliner", "kerajinan", "fashion", "kebutuhan_rumah"]
    assert body["next_cursor"] is None


def test_every_route_is_in_the_openapi_document() -> None:
    document = openapi.document()
    routes = {
        (path, method.lower())
        for path, entries in app_module.app.routes.items()
        for method, entry in entries.items()
        if not http.is_fallback(entry.view_name)
    }
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented operations with no route"


def test_every_operation_declares_its_answer_and_its_callers() -> None:
    for operation in app_module.routes.operations:
        assert operation.summary != operation.name, f"{operation.name}: the docstring is the summary"
        if operation.status == 204:
            assert operation.answers is None
        else:
            assert operation.answers is not None, f"{operation.name} declares no response shape"
    names = [o.name for o in app_module.routes.operations]
    assert len(names) == len(set(names)), "operationIds are view names and must be unique"


def test_every_answer_refers_to_a_named_component() -> None:
    document = openapi.document()
    schemas = document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if schema is None:
                    continue
                reference = schema["$ref"] if status.startswith("2") else schema["allOf"][0]["$ref"]
                assert reference.removeprefix("#/components/schemas/") in schemas, (method, path, status)


def test_error_codes_per_status_come_from_the_error_classes() -> None:
    document = openapi.document()
    checkout = document["paths"]["/v1/checkout"]["post"]["responses"]
    codes = checkout["409"]["content"]["application/json"]["schema"]["allOf"][1]["properties"]["error"]
    assert {"out_of_stock", "store_unavailable", "conflict"} <= set(codes["properties"]["code"]["enum"])
    assert checkout["422"]["content"]["application/json"]["schema"]["allOf"][1]["properties"]["error"]["properties"][
        "code"
    ]["enum"] == [
        "validation_error",
        "own_store",
        "cart_empty",
        "amount_too_small",
        "amount_too_large",
        "delivery_unavailable",
        "idempotency_key_reused",
    ]


def test_openapi_document_is_valid() -> None:
    from openapi_spec_validator import validate

    validate(openapi.document())


def test_importing_app_loads_neither_stripe_nor_moto() -> None:
    heavy = ("stripe", "moto", "pydantic", "typing_extensions", "chalicelib.shapes")
    code = f"import sys, app; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_an_unknown_query_parameter_is_422_naming_it(client: Client) -> None:
    response = client.http.get("/v1/health?verbose=1&a=2")
    assert response.status_code == 422
    err = error_of(response.json_body)
    assert err["code"] == "validation_error"
    assert [e["field"] for e in err["details"]["errors"]] == ["a", "verbose"]


def test_declared_query_parameters_and_paging_pass(client: Client) -> None:
    assert client.http.get("/v1/categories").status_code == 200
    assert client.http.get("/v1/categories?limit=5").status_code == 422  # a list that is not a page
    operation = next(op for op in app_module.routes.operations if op.name == "list_products")
    assert {"category", "q", "limit", "cursor"} <= operation.accepted_query


def test_what_the_app_accepts_is_what_the_document_says() -> None:
    """Query names and paging read at request time (cheap) agree with the document (built from shapes)."""
    for operation in app_module.routes.operations:
        documented = {p["name"] for p in openapi._parameters(operation) if p["in"] == "query"}
        assert operation.accepted_query == documented, operation.name
        shape = getattr(shapes, operation.answers) if operation.answers else None
        hints = get_type_hints(shape) if shape is not None else {}
        pages = "next_cursor" in hints and hints["next_cursor"] is not type(None)  # a string cursor: a page
        assert operation.paged == pages, f"{operation.name}: a page's shape (only) is named ...Page"


def test_every_error_detail_the_code_sends_is_declared() -> None:
    """A key an error's `details` carries (a dict literal given to an ApiError) is in shapes.ErrorDetails."""
    import ast
    from pathlib import Path

    from chalicelib import errors

    error_classes = {name for name, value in vars(errors).items() if isinstance(value, type)}
    error_classes &= {c.__name__ for c in errors.ApiError.__subclasses__()} | {"ApiError"}
    sent: set[tuple[str, str]] = set()
    for path in Path("chalicelib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and len(node.args) >= 2 and isinstance(node.args[1], ast.Dict):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in error_classes:
                    sent |= {(str(k.value), str(path)) for k in node.args[1].keys if isinstance(k, ast.Constant)}
    declared = get_type_hints(shapes.ErrorDetails).keys()
    assert sent and {key for key, _ in sent} - declared == set(), sorted(sent)
