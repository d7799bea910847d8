"""The OpenAPI 3.1 document, generated from the route declarations (`chalicelib.api`) alone.

Each operation's request body is its view's pydantic model, its answer the named shape in
`chalicelib.shapes`, its errors the classes it declares plus those every operation of its
kind answers; closed sets come from their domains. Nothing here restates a response.
Built once per process, on the first GET /v1/openapi.json (it loads every domain).
"""

from __future__ import annotations

from functools import lru_cache
from http import HTTPStatus
from typing import Any

from pydantic import TypeAdapter

from chalicelib import api, errors, shapes
from chalicelib.catalog.categories import CATEGORY_IDS
from chalicelib.catalog.model import STORE_KINDS, STORE_STATUSES
from chalicelib.catalog.reference import SKU_PATTERN
from chalicelib.catalog.search import SORTS as LISTING_SORTS
from chalicelib.disputes.model import STATUSES as DISPUTE_STATUSES
from chalicelib.http import MAX_PATH_PARAM_CHARS
from chalicelib.idempotency import MAX_KEY_LENGTH
from chalicelib.ids import DAY_PATTERN
from chalicelib.orders.model import STATUSES as ORDER_STATUSES
from chalicelib.paging import MAX_CURSOR_CHARS, MAX_LIMIT
from chalicelib.payouts.model import BATCH_STATUSES as PAYOUT_BATCH_STATUSES
from chalicelib.reports.service import GROUPS as SALES_GROUPINGS
from chalicelib.risk.model import RULES as RISK_RULES
from chalicelib.risk.model import STATUSES as RISK_FLAG_STATUSES
from chalicelib.settlement.model import STATEMENT_FORMATS
from chalicelib.spending.model import MAX_DEPARTMENT_CHARS, MONTH_PATTERN

REF = "#/components/schemas/{model}"


def _or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter whose empty value (`?month=`) reads as absent."""
    return {"anyOf": [schema, {"const": ""}]}


def _text(limit: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": limit}


# Query parameters by the name a declaration gives them: (name in the URL, schema).
# Each declared query parameter's schema; its name in the URL is `api.wire_name` of the key.
QUERY_PARAMETERS: dict[str, dict[str, Any]] = {
    "kecamatan": _text(64),
    "store_kind": {"enum": list(STORE_KINDS)},
    "store_status": {"enum": list(STORE_STATUSES)},
    "category": _or_empty({"enum": list(CATEGORY_IDS)}),
    "store_id": _text(MAX_PATH_PARAM_CHARS),
    "buyer_id": _text(MAX_PATH_PARAM_CHARS),
    "q": _text(100),
    "max_price_idr": _or_empty({"type": "integer", "minimum": 0}),
    "sort": _or_empty({"enum": list(LISTING_SORTS)}),
    "order_status": {"enum": list(ORDER_STATUSES)},
    "month": _or_empty({"type": "string", "pattern": MONTH_PATTERN}),
    "department": _text(MAX_DEPARTMENT_CHARS),
    "from": _or_empty({"type": "string", "pattern": DAY_PATTERN}),
    "to": _or_empty({"type": "string", "pattern": DAY_PATTERN}),
    "group_by": {"enum": list(SALES_GROUPINGS)},
    "include_hidden": _or_empty({"enum": ["true", "false"]}),
    "format": _or_empty({"enum": list(STATEMENT_FORMATS)}),
    "batch_status": _or_empty({"enum": list(PAYOUT_BATCH_STATUSES)}),
    "dispute_status": _or_empty({"enum": list(DISPUTE_STATUSES)}),
    "flag_status": _or_empty({"enum": list(RISK_FLAG_STATUSES)}),  # risk flags (chalicelib.risk)
    "rule": _or_empty({"enum": list(RISK_RULES)}),
    "target_id": _text(200),  # the audit trail's filters
    "actor_id": _text(200),
}
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "sku": {
        "type": "string",
        "pattern": SKU_PATTERN,
        "description": "Lowercase letters, digits and _ (1 to 64), e.g. beras_medium_jawa.",
    }
}
ID_PARAMETER = {"type": "string", "minLength": 1, "maxLength": MAX_PATH_PARAM_CHARS}
# Answered before or around any view: by the HTTP front door (malformed, too large, too slow, too many),
# when busy, or when something unforeseen failed (an AWS service down after a write, say).
# (422 too: a query parameter the operation does not read, chalicelib.api.)
EVERYWHERE = (*errors.FRONT_DOOR, errors.ValidationFailed, errors.InternalError, errors.ServiceUnavailable)
# A valid body per operation: documentation, and a seed the fuzzer mixes into what it generates.
_ASN_ROW = {"nip": "198001012006041001", "name": "Budi Santoso", "department": "Dinas Kominfo", "grade": "III/a"}
BODY_EXAMPLES: dict[str, dict[str, Any]] = {
    "dev_token": {"user_id": "demo-asn", "groups": ["buyer"], "nip": _ASN_ROW["nip"]},
    "put_me": {"kecamatan": "Gubeng", "kelurahan": "Airlangga", "phone_number": "081234567890", "locale": "en"},
    "put_reference_price": {"name": "Beras medium", "unit": "kg", "max_price_idr": 13500, "words": ["beras"]},
    "apply_store": {
        "name": "Toko Sumber Rejeki",
        "kind": "toko_kelontong",
        "kecamatan": "Gubeng",
        "kelurahan": "Airlangga",
        "address": "Jl. Airlangga 1",
        "phone_number": "081234567890",
    },
    "patch_store": {
        "open": True,
        "address": "Jl. Airlangga 2",
        "pickup": True,
        "delivery": {"enabled": True, "fee_idr": 5000, "free_from_idr": 100000, "kecamatan": ["Gubeng"]},
    },
    "reject_store": {"reason": "NIB tidak cocok"},
    "suspend_store": {"reason": "keluhan pembeli"},
    "create_product": {
        "name": "Beras medium 5 kg",
        "category": "sembako",
        "unit": "5 kg",
        "price_idr": 62000,
        "stock": 50,
        "reference_sku": "beras_medium_jawa",
        "reference_quantity": 5,
    },
    "patch_product": {"price_idr": 11500, "stock": 40},
    "take_down_product": {"reason": "bukan bahan pangan (emas batangan)"},
    "put_settings": {"payment_timeout_minutes": 30, "auto_complete_days": 3},
    "put_cart_item": {"quantity": 2},
    "create_checkout": {"fulfillment": {"method": "pickup"}},
    "cancel_order": {"reason": "salah pesan"},
    "refund_order_part": {"amount_idr": 5000, "reason": "telur pecah", "lines": []},
    "complete_order": {"handover_code": "482913"},
    "read_notifications": {"ids": ["01JDZQ8V6W3X5Y7Z9A1B2C3D4E"]},
    "dev_pay": {"outcome": "succeeded"},
    "create_upload": {"content_type": "image/png", "size_bytes": 48213},
    "upload_roster": {"rows": [_ASN_ROW]},
    "patch_asn": {"active": False, "grade": "III/b", "phone_number": "081234567890"},
    "put_spending_policy": {"default_quota_idr": 300000, "quota_by_grade": {"IV/e": 1000000}},
    "run_reminders": {"as_of": "2026-01-20"},
    "put_payout_account": {
        "method": "bank_transfer",
        "bank_code": "014",
        "account_number": "1234567890",
        "account_name": "Sri Rejeki",
    },
    "verify_payout_account": {},
    "open_dispute": {
        "reason": "missing_items",
        "description": "Dua bungkus beras tidak ada di kantong.",
        "lines": [{"product_id": "01JDZQ8V6W3X5Y7Z9A1B2C3D4E", "quantity": 2}],
        "evidence": ["01JDZQ8V6W3X5Y7Z9A1B2C3D4F"],
    },
    "post_dispute_message": {"body": "Foto kantongnya sudah saya lampirkan."},
    "contest_dispute": {"reason": "Pembeli menerima semua barang; ada tanda terima."},
    "resolve_dispute": {"outcome": "refund", "refund_idr": 12000, "note": "Separuh barang rusak menurut foto."},
    "decide_risk_flag": {"decision": "dismiss", "note": "Pembeli dan pemilik toko bersaudara; sudah dicek."},
    "create_export": {"kind": "compliance", "month": "2026-11", "department": "Dinas Kominfo", "lang": "id"},
    "record_payout_results": {
        "results": [{"payout_id": "01JDZQ8V6W3X5Y7Z9A1B2C3D4E", "status": "paid", "reference": "TRX-1"}]
    },
}


def _roster_upload_body(schemas: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/admin/asn reads its body itself: JSON rows, or CSV with a header row (`text/csv`)."""
    from chalicelib.spending.model import CSV_COLUMNS, RosterUpload

    row = ",".join(str(_ASN_ROW.get(column, "")) for column in CSV_COLUMNS)
    example = {"valid": {"value": BODY_EXAMPLES["upload_roster"]}}
    json_media = {"schema": _component(RosterUpload, schemas), "examples": example}
    csv_media = {"schema": {"type": "string"}, "examples": {"valid": {"value": f"{','.join(CSV_COLUMNS)}\n{row}\n"}}}
    return {"required": True, "content": {"application/json": json_media, "text/csv": csv_media}}


# Views that read their body from `request` (other media types than JSON): their request body.
BODIES_READ_BY_VIEW = {"upload_roster": _roster_upload_body}


def _declared(operation: api.Operation) -> list[type[errors.ApiError]]:
    """The errors an operation may answer: what every operation of its kind answers, and its own."""
    found: list[type[errors.ApiError]] = [*EVERYWHERE, *operation.errors]
    if operation.access != api.PUBLIC:
        found.append(errors.Unauthorized)
    if operation.groups:
        found.append(errors.Forbidden)
    if "{" in operation.path:
        found.append(errors.NotFound)  # no such object; an id over 64 characters is no route at all
    if operation.takes_body:
        found += [errors.BadJson, errors.ValidationFailed]
    if _takes_idempotency_key(operation):
        found += [errors.Conflict, errors.IdempotencyKeyReused, errors.ValidationFailed]  # running; reused
        if operation.idempotency_required:
            found.append(errors.IdempotencyKeyRequired)
    return found


def _takes_idempotency_key(operation: api.Operation) -> bool:
    """Every signed-in POST accepts an Idempotency-Key (checkout requires one)."""
    return operation.method == "POST" and operation.access != api.PUBLIC


def _shape(operation: api.Operation) -> Any:
    return getattr(shapes, operation.answers) if operation.answers else None


def _parameters(operation: api.Operation) -> list[dict[str, Any]]:
    path_names = [part[1:-1] for part in operation.path.split("/") if part.startswith("{")]
    params = [
        {"name": n, "in": "path", "required": True, "schema": PATH_PARAMETERS.get(n, ID_PARAMETER)} for n in path_names
    ]
    params += [{"name": api.wire_name(q), "in": "query", "schema": QUERY_PARAMETERS[q]} for q in operation.query]
    params += [{"name": h, "in": "header", "required": True, "schema": {"type": "string"}} for h in operation.headers]
    if _takes_idempotency_key(operation):
        key = {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH}
        required = operation.idempotency_required
        params.append({"name": "Idempotency-Key", "in": "header", "required": required, "schema": key})
    if operation.paged:
        params += [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}},
            {"name": "cursor", "in": "query", "schema": {"type": "string", "maxLength": MAX_CURSOR_CHARS}},
        ]
    return params


def _error_response(status: int, codes: list[str]) -> dict[str, Any]:
    code = {"type": "object", "properties": {"code": {"enum": codes}}}
    schema = {"allOf": [{"$ref": REF.format(model="Error")}, {"type": "object", "properties": {"error": code}}]}
    return {"description": HTTPStatus(status).phrase, "content": {"application/json": {"schema": schema}}}


def _operation(operation: api.Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    by_status: dict[int, list[str]] = {}
    for error in _declared(operation):
        for code in errors.codes_of(error):
            if code not in by_status.setdefault(error.status, []):
                by_status[error.status].append(code)
    success: dict[str, Any] = {"description": "Success"}
    shape = _shape(operation)
    if shape is not None:
        success["content"] = {"application/json": {"schema": _component(shape, schemas)}}
    for kind in operation.media:  # other media types the view may answer (e.g. ?format=csv)
        success.setdefault("content", {})[kind] = {"schema": {"type": "string"}}
    out: dict[str, Any] = {
        "operationId": operation.name,
        "summary": operation.summary,
        "tags": [operation.tag],
        "security": {
            api.PUBLIC: [],
            api.OPTIONAL: [{}, {"bearer": []}],
            api.SIGNED_IN: [{"bearer": []}],
        }[operation.access],
        "parameters": _parameters(operation),
        "responses": {
            str(operation.status): success,
            **{str(s): _error_response(s, codes) for s, codes in sorted(by_status.items())},
        },
    }
    for status in operation.also:  # another success status the view answers itself, same shape
        out["responses"][str(status)] = success
    if operation.takes_body:
        model = operation.body_model()
        reference = _component(model, schemas)
        body = schemas[model.__name__]
        media: dict[str, Any] = {"schema": reference}
        if operation.name in BODY_EXAMPLES:
            media["examples"] = {"valid": {"value": BODY_EXAMPLES[operation.name]}}
        # An absent body reads as {}: it is required only where the object has required fields.
        out["requestBody"] = {"required": bool(body.get("required")), "content": {"application/json": media}}
    elif operation.name in BODIES_READ_BY_VIEW:
        out["requestBody"] = BODIES_READ_BY_VIEW[operation.name](schemas)
    return out


def _component(kind: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    """Add a model (and the models it uses) to the components; return a reference to it."""
    schema = TypeAdapter(kind).json_schema(ref_template=REF, mode="validation")
    for name, sub in {**schema.pop("$defs", {}), kind.__name__: schema}.items():
        sub = _untitled(sub)
        if schemas.setdefault(name, sub) != sub:
            raise ValueError(f"two different schemas are called {name}")
    return {"$ref": REF.format(model=kind.__name__)}


def _untitled(schema: Any) -> Any:
    """Drop pydantic's generated titles (names the field already has); keep everything else."""
    if isinstance(schema, dict):
        return {k: _untitled(v) for k, v in schema.items() if not (k == "title" and isinstance(v, str))}
    if isinstance(schema, list):
        return [_untitled(v) for v in schema]
    return schema


@lru_cache(maxsize=1)
def document() -> shapes.OpenApiDocument:
    """Build the document once per process from the operations app.py declares."""
    from app import routes

    schemas: dict[str, Any] = {}
    _component(shapes.Error, schemas)
    paths: dict[str, dict[str, Any]] = {}
    for operation in routes.operations:  # /v1/dev/* among them only where app.py registered them
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Peken API",
            "version": "1.0.0",
            "description": "City-run local marketplace. Money is whole Rupiah in *_idr fields.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
