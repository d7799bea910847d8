"""The OpenAPI 3.1 document of the API, built from the request models and a table of operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from chalicelib import auth
from chalicelib.cart import service as cart_service
from chalicelib.catalog import model as catalog
from chalicelib.catalog.reference import SKU_PATTERN
from chalicelib.config import DEV_PATHS, dev_routes_enabled
from chalicelib.devtools import DevTokenRequest
from chalicelib.http import MAX_PATH_PARAM_CHARS
from chalicelib.idempotency import MAX_KEY_LENGTH
from chalicelib.orders import model as order_model
from chalicelib.payments.model import DevPayment
from chalicelib.profiles.model import UpdateMe
from chalicelib.settings.service import SettingsChange
from chalicelib.spending import model as spending_model

REF = "#/components/schemas/{model}"
NULLABLE_STR = {"type": ["string", "null"]}
ERROR_STATUSES = {
    400: "Malformed request",
    401: "Missing, invalid or expired token",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid input",
    503: "Temporarily unavailable",
}
# The codes each status may carry (API.md's list, plus method_not_allowed and service_unavailable).
ERROR_CODES: dict[int, tuple[str, ...]] = {
    400: ("validation_error", "idempotency_key_required", "bad_signature"),
    401: ("unauthorized",),
    403: ("forbidden",),
    404: ("not_found",),
    405: ("method_not_allowed",),
    409: ("conflict", "out_of_stock", "store_unavailable", "invalid_transition"),
    422: ("validation_error", "price_above_reference", "cart_empty", "idempotency_key_reused"),
    503: ("payment_unavailable", "service_unavailable"),
}
TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$"
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
EMAIL = r"^\s*[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\s*$"  # chalicelib.validators, around strip()
HTTPS_URL = r"^https://\S+$"
NIP = r"^[0-9]{18}$"
GROUPS = list(auth.GROUPS)
# Amounts that are never negative (a refund lowers spending and turnover, so those may be).
NON_NEGATIVE = {
    "total_idr",
    "unit_price_idr",
    "line_total_idr",
    "amount_idr",
    "max_price_idr",
    "quota_idr",
    "remaining_idr",
    "default_quota_idr",
    "gmv_idr",
    "asn_count",
    "compliant_count",
    "quantity",
    "orders",
    "sellers",
    "sellers_with_orders",
    "sellers_without_orders",
    "upserted",
}
# Valid values the validators check beyond the schema (a real place, a mobile number), so that
# clients and generated requests see one.
EXAMPLES: dict[str, list[str]] = {
    "kecamatan": ["Gubeng"],
    "kelurahan": ["Airlangga"],
    "phone_number": ["081234567890"],
    "email": ["budi@example.id"],
    "image_url": ["https://example.id/beras.jpg"],
}
# A valid body per operation: documentation, and a seed the fuzzer mixes into what it generates.
_ASN_ROW = {"nip": "198001012006041001", "name": "Budi Santoso", "department": "Dinas Kominfo", "grade": "III/a"}
BODY_EXAMPLES: dict[str, dict[str, Any]] = {
    "POST /v1/dev/token": {"user_id": "demo-asn", "groups": ["buyer"], "nip": _ASN_ROW["nip"]},
    "PUT /v1/me": {"kecamatan": "Gubeng", "kelurahan": "Airlangga", "phone_number": "081234567890", "locale": "en"},
    "PUT /v1/admin/reference-prices/{sku}": {"name": "Beras medium", "unit": "kg", "max_price_idr": 13500},
    "POST /v1/stores": {
        "name": "Toko Sumber Rejeki",
        "kind": "toko_kelontong",
        "kecamatan": "Gubeng",
        "kelurahan": "Airlangga",
        "address": "Jl. Airlangga 1",
        "phone_number": "081234567890",
    },
    "PATCH /v1/stores/{store_id}": {"open": True, "address": "Jl. Airlangga 2"},
    "POST /v1/admin/stores/{store_id}/reject": {"reason": "NIB tidak cocok"},
    "POST /v1/admin/stores/{store_id}/suspend": {"reason": "keluhan pembeli"},
    "POST /v1/stores/{store_id}/products": {
        "name": "Beras medium",
        "category": "sembako",
        "unit": "kg",
        "price_idr": 12000,
        "stock": 50,
    },
    "PATCH /v1/products/{product_id}": {"price_idr": 11500, "stock": 40},
    "PUT /v1/admin/settings": {"payment_timeout_minutes": 30, "auto_complete_days": 3},
    "PUT /v1/cart/items/{product_id}": {"quantity": 2},
    "POST /v1/checkout": {"fulfillment": {"method": "pickup"}},
    "POST /v1/orders/{order_id}/cancel": {"reason": "salah pesan"},
    "POST /v1/dev/checkouts/{checkout_id}/pay": {"outcome": "succeeded"},
    "POST /v1/admin/asn": {"rows": [_ASN_ROW]},
    "PUT /v1/admin/spending-policy": {"default_quota_idr": 300000, "quota_by_grade": {"IV/e": 1000000}},
    "POST /v1/admin/reminders/run": {"as_of": "2026-01-20"},
}
PATH_PARAMS: dict[str, dict[str, Any]] = {
    "sku": {"type": "string", "pattern": SKU_PATTERN},
}
ID_PARAM = {"type": "string", "minLength": 1, "maxLength": MAX_PATH_PARAM_CHARS}


@dataclass(frozen=True)
class Op:
    """One operation of the API."""

    method: str
    path: str
    summary: str
    tag: str
    auth: str = "none"  # none | required | optional
    body: type[BaseModel] | None = None
    response: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    errors: tuple[int, ...] = ()
    groups: tuple[str, ...] = ()
    query: tuple[tuple[str, dict[str, Any]], ...] = ()
    headers: tuple[tuple[str, dict[str, Any]], ...] = ()
    body_schema: dict[str, Any] | None = None  # a hand-written body (the model then names its items)
    paged: bool | None = None  # takes `limit` and `cursor`; by default, when the response has `next_cursor`

    @property
    def is_paged(self) -> bool:
        """Tell whether the operation reads `limit` and `cursor`."""
        if self.paged is not None:
            return self.paged
        return bool(self.response.get("properties", {}).get("next_cursor"))


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required if required is not None else list(props)}


def _or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter whose empty value (`?month=`) reads as absent."""
    return {"anyOf": [schema, {"const": ""}]}


def _page(item: dict[str, Any]) -> dict[str, Any]:
    return _obj({"items": {"type": "array", "items": item}, "next_cursor": NULLABLE_STR})


ME = _obj(
    {
        "user_id": {"type": "string"},
        "groups": {"type": "array", "items": {"enum": GROUPS}},
        "name": NULLABLE_STR,
        "email": NULLABLE_STR,
        "phone_number": NULLABLE_STR,
        "kecamatan": NULLABLE_STR,
        "kelurahan": NULLABLE_STR,
        "locale": {"enum": ["id", "en"]},
        "notify": _obj({"email": {"type": "boolean"}, "sms": {"type": "boolean"}}),
        "asn": {"type": ["object", "null"]},
        "updated_at": NULLABLE_STR,
    }
)
NOTIFICATION = _obj(
    {
        "id": {"type": "string"},
        "kind": {"type": "string"},
        "title": {"type": "string"},
        "body": {"type": "string"},
        "created_at": {"type": "string"},
        "read": {"type": "boolean"},
    }
)
CATEGORY = _obj({"id": {"type": "string"}, "name": {"type": "string"}, "name_en": {"type": "string"}})
JOB = _obj({"job": {"type": "string"}, "schedule": {"type": "string"}, "last_run": {"type": ["object", "null"]}})

INT = {"type": "integer"}
STORE = _obj(
    {
        "store_id": {"type": "string"},
        "owner_id": {"type": "string"},
        "name": {"type": "string"},
        "kind": {"enum": list(catalog.STORE_KINDS)},
        "kecamatan": {"type": "string"},
        "kelurahan": {"type": "string"},
        "address": {"type": "string"},
        "status": {"enum": ["pending", "active", "rejected", "suspended"]},
        "open": {"type": "boolean"},
        "listed": {"type": "boolean"},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "phone_number": {"type": "string"},
        "nib": NULLABLE_STR,
        "reason": NULLABLE_STR,
        "turnover_month_idr": INT,
    },
    required=["store_id", "name", "kind", "kecamatan", "kelurahan", "address", "status", "open"],
)
PRODUCT = _obj(
    {
        "product_id": {"type": "string"},
        "store_id": {"type": "string"},
        "store_name": {"type": "string"},
        "name": {"type": "string"},
        "category": {"enum": ["sembako", "kuliner", "kerajinan", "fashion", "kebutuhan_rumah"]},
        "unit": {"type": "string"},
        "price_idr": {"type": "integer", "minimum": 1},
        "stock": {"type": "integer", "minimum": 0},
        "kecamatan": {"type": "string"},
        "reference_sku": NULLABLE_STR,
        "description": NULLABLE_STR,
        "image_url": NULLABLE_STR,
        "active": {"type": "boolean"},
        "available": {"type": "boolean"},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "hidden_reason": NULLABLE_STR,
    },
    required=["product_id", "store_id", "store_name", "name", "category", "unit", "price_idr", "stock", "kecamatan"],
)
REFERENCE = _obj(
    {
        "sku": {"type": "string"},
        "name": {"type": "string"},
        "unit": {"type": "string"},
        "max_price_idr": INT,
        "updated_at": {"type": "string"},
    }
)
SETTINGS = _obj({"turnover_cap_idr": INT, "payment_timeout_minutes": INT, "auto_complete_days": INT})
STORE_QUERY = (("kecamatan", {"type": "string", "maxLength": 64}), ("kind", {"enum": list(catalog.STORE_KINDS)}))
PRODUCT_QUERY = (
    ("category", _or_empty({"enum": ["sembako", "kuliner", "kerajinan", "fashion", "kebutuhan_rumah"]})),
    ("kecamatan", {"type": "string", "maxLength": 64}),
    ("store_id", {"type": "string", "maxLength": 64}),
    ("q", {"type": "string", "maxLength": 100}),
)

CART_LINE = _obj(
    {
        "product_id": {"type": "string"},
        "store_id": {"type": "string"},
        "store_name": NULLABLE_STR,
        "name": {"type": "string"},
        "unit": NULLABLE_STR,
        "unit_price_idr": INT,
        "quantity": INT,
        "line_total_idr": INT,
        "available": {"type": "boolean"},
    }
)
CART = _obj({"items": {"type": "array", "items": CART_LINE}, "total_idr": INT})
ORDER_STATUS = {"enum": ["awaiting_payment", "paid", "accepted", "ready", "completed", "cancelled", "expired"]}
ORDER = _obj(
    {
        "order_id": {"type": "string"},
        "checkout_id": {"type": "string"},
        "buyer_id": {"type": "string"},
        "store_id": {"type": "string"},
        "store_name": {"type": "string"},
        "status": ORDER_STATUS,
        "lines": {
            "type": "array",
            "items": _obj(
                {
                    "product_id": {"type": "string"},
                    "name": {"type": "string"},
                    "unit": NULLABLE_STR,
                    "unit_price_idr": INT,
                    "quantity": INT,
                }
            ),
        },
        "total_idr": INT,
        "fulfillment": {"type": "object"},
        "refund": {"type": ["object", "null"]},
        "history": {"type": "array", "items": _obj({"status": ORDER_STATUS, "at": {"type": "string"}})},
        "created_at": {"type": "string"},
        "expires_at": {"type": "string"},
        "reason": NULLABLE_STR,
    },
    required=[
        "order_id",
        "checkout_id",
        "buyer_id",
        "store_id",
        "status",
        "lines",
        "total_idr",
        "fulfillment",
        "refund",
        "history",
    ],
)
CHECKOUT = _obj(
    {
        "checkout_id": {"type": "string"},
        "status": {"type": "string"},
        "total_idr": INT,
        "expires_at": {"type": "string"},
        "orders": {
            "type": "array",
            "items": _obj(
                {
                    "order_id": {"type": "string"},
                    "store_id": {"type": "string"},
                    "total_idr": INT,
                    "status": ORDER_STATUS,
                }
            ),
        },
        "payment": _obj(
            {
                "provider": {"const": "stripe"},
                "payment_intent_id": {"type": "string"},
                "client_secret": {"type": "string"},
                "amount_idr": INT,
            },
            required=["provider", "payment_intent_id", "amount_idr"],
        ),
        "payment_error": NULLABLE_STR,
    },
    required=["checkout_id", "status", "total_idr", "expires_at", "orders", "payment"],
)
ORDER_QUERY = (("status", ORDER_STATUS),)
IDEMPOTENCY = ("Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH})

ASN = _obj(
    {
        "nip": {"type": "string"},
        "name": {"type": "string"},
        "department": {"type": "string"},
        "grade": {"enum": list(spending_model.GRADES)},
        "email": NULLABLE_STR,
        "phone_number": NULLABLE_STR,
        "kecamatan": NULLABLE_STR,
        "kelurahan": NULLABLE_STR,
        "linked": {"type": "boolean"},
    }
)
POLICY = _obj({"default_quota_idr": INT, "quota_by_grade": {"type": "object", "additionalProperties": INT}})
MONTH_QUERY = ("month", _or_empty({"type": "string", "pattern": MONTH}))
DEPARTMENT_QUERY = ("department", {"type": "string", "maxLength": spending_model.MAX_DEPARTMENT_CHARS})
SPENDING = _obj(
    {
        "month": {"type": "string"},
        "quota_idr": INT,
        "spent_idr": INT,
        "remaining_idr": INT,
        "compliant": {"type": "boolean"},
        "orders": INT,
    }
)
DEPT = _obj({"department": {"type": "string"}, "asn_count": INT, "compliant_count": INT, "spent_idr": INT})
COMPLIANCE = _obj(
    {
        "month": {"type": "string"},
        "asn_count": INT,
        "compliant_count": INT,
        "spent_idr": INT,
        "departments": {"type": "array", "items": DEPT},
    }
)
LAGGARD = _obj(
    {
        "nip": {"type": "string"},
        "name": {"type": "string"},
        "department": {"type": "string"},
        "grade": {"type": "string"},
        "spent_idr": INT,
        "quota_idr": INT,
        "remaining_idr": INT,
    }
)
SALES = _obj(
    {
        "from": {"type": "string"},
        "to": {"type": "string"},
        "group_by": {"type": "string"},
        "rows": {"type": "array", "items": _obj({"key": {"type": "string"}, "orders": INT, "gmv_idr": INT})},
    }
)
FAIRNESS = _obj(
    {
        "month": {"type": "string"},
        "sellers": INT,
        "sellers_with_orders": INT,
        "sellers_without_orders": INT,
        "gini": {"type": "number"},
        "top_decile_share": {"type": "number"},
        "income_idr": INT,
    }
)
ROSTER_BODY = {
    "type": "object",
    "required": ["rows"],
    "additionalProperties": False,
    "properties": {
        "rows": {"type": "array", "minItems": 1, "maxItems": 500, "items": {"$ref": "#/components/schemas/AsnRow"}}
    },
}

OPERATIONS: tuple[Op, ...] = (
    Op("GET", "/v1/health", "Tell whether the service is up", "health", response=_obj({"status": {"const": "ok"}})),
    Op("GET", "/v1/openapi.json", "This document", "health", response={"type": "object"}),
    Op(
        "POST",
        "/v1/dev/token",
        "Issue a signed token (local stage only; 404 elsewhere)",
        "health",
        body=DevTokenRequest,
        response=_obj({"token": {"type": "string"}, "expires_at": {"type": "string"}}),
        errors=(404, 422),
    ),
    Op("GET", "/v1/me", "Read my profile", "profiles", auth="required", response=ME),
    Op("PUT", "/v1/me", "Change my profile", "profiles", auth="required", body=UpdateMe, response=ME, errors=(422,)),
    Op(
        "GET",
        "/v1/me/notifications",
        "Read my inbox, newest first",
        "profiles",
        auth="required",
        response=_page(NOTIFICATION),
        errors=(422,),
    ),
    Op(
        "GET",
        "/v1/admin/notifications",
        "Read the admins' shared inbox (refunds Stripe could not make), newest first",
        "operations",
        auth="required",
        groups=("admin",),
        response=_page(NOTIFICATION),
        errors=(422,),
    ),
    Op(
        "GET",
        "/v1/categories",
        "List product categories",
        "catalog",
        response={
            **_page(CATEGORY),
            "properties": {
                **_page(CATEGORY)["properties"],
                "categories": {"type": "array", "items": {"type": "string"}},
            },
        },
        paged=False,
    ),
    Op(
        "GET",
        "/v1/reference-prices",
        "List reference (maximum) prices of staples",
        "catalog",
        response=_page(REFERENCE),
        paged=False,
    ),
    Op(
        "PUT",
        "/v1/admin/reference-prices/{sku}",
        "Set a reference price; listings above it are hidden",
        "catalog",
        auth="required",
        groups=("admin",),
        body=catalog.ReferencePrice,
        response=REFERENCE,
        errors=(422,),
    ),
    Op(
        "POST",
        "/v1/stores",
        "Apply to sell: the store waits in pending",
        "stores",
        auth="required",
        groups=("seller",),
        body=catalog.StoreApplication,
        response=STORE,
        status=201,
    ),
    Op("GET", "/v1/stores", "List active stores", "stores", response=_page(STORE), query=STORE_QUERY, errors=(422,)),
    Op("GET", "/v1/stores/{store_id}", "Show a store", "stores", auth="optional", response=STORE, errors=(404,)),
    Op(
        "PATCH",
        "/v1/stores/{store_id}",
        "Change my store",
        "stores",
        auth="required",
        groups=("seller",),
        body=catalog.StoreChange,
        response=STORE,
        errors=(404, 409),
    ),
    Op(
        "GET",
        "/v1/admin/stores",
        "List stores in a status",
        "curation",
        auth="required",
        groups=("admin",),
        response=_page(STORE),
        query=(("status", {"enum": ["pending", "active", "rejected", "suspended"]}),),
        errors=(422,),
    ),
    Op(
        "POST",
        "/v1/admin/stores/{store_id}/approve",
        "Approve a pending (or reinstate a suspended) store",
        "curation",
        auth="required",
        groups=("admin",),
        response=STORE,
        errors=(404, 409),
    ),
    Op(
        "POST",
        "/v1/admin/stores/{store_id}/reject",
        "Reject a pending store",
        "curation",
        auth="required",
        groups=("admin",),
        body=catalog.ReasonBody,
        response=STORE,
        errors=(404, 409),
    ),
    Op(
        "POST",
        "/v1/admin/stores/{store_id}/suspend",
        "Suspend an active store",
        "curation",
        auth="required",
        groups=("admin",),
        body=catalog.ReasonBody,
        response=STORE,
        errors=(404, 409),
    ),
    Op(
        "POST",
        "/v1/stores/{store_id}/products",
        "Add a product to my active store",
        "catalog",
        auth="required",
        groups=("seller",),
        body=catalog.NewProduct,
        response=PRODUCT,
        status=201,
        errors=(404, 409),
    ),
    Op(
        "GET",
        "/v1/products",
        "Browse and search listed products (fair order)",
        "catalog",
        auth="optional",
        response=_page(PRODUCT),
        query=PRODUCT_QUERY,
        errors=(422,),
    ),
    Op(
        "GET",
        "/v1/products/{product_id}",
        "Show a product",
        "catalog",
        auth="optional",
        response=PRODUCT,
        errors=(404,),
    ),
    Op(
        "PATCH",
        "/v1/products/{product_id}",
        "Change my product",
        "catalog",
        auth="required",
        groups=("seller",),
        body=catalog.ProductChange,
        response=PRODUCT,
        errors=(404, 409),
    ),
    Op(
        "DELETE",
        "/v1/products/{product_id}",
        "Withdraw my product",
        "catalog",
        auth="required",
        groups=("seller",),
        status=204,
        errors=(404,),
    ),
    Op(
        "GET",
        "/v1/admin/settings",
        "Show marketplace settings",
        "operations",
        auth="required",
        groups=("admin",),
        response=SETTINGS,
    ),
    Op(
        "PUT",
        "/v1/admin/settings",
        "Change marketplace settings",
        "operations",
        auth="required",
        groups=("admin",),
        body=SettingsChange,
        response=SETTINGS,
    ),
    Op("GET", "/v1/cart", "Show my cart with live prices", "cart", auth="required", groups=("buyer",), response=CART),
    Op("DELETE", "/v1/cart", "Empty my cart", "cart", auth="required", groups=("buyer",), response=CART),
    Op(
        "PUT",
        "/v1/cart/items/{product_id}",
        "Set a quantity (0 removes)",
        "cart",
        auth="required",
        groups=("buyer",),
        body=cart_service.Quantity,
        response=CART,
        errors=(404, 409),
    ),
    Op(
        "DELETE",
        "/v1/cart/items/{product_id}",
        "Remove a product from my cart",
        "cart",
        auth="required",
        groups=("buyer",),
        response=CART,
    ),
    Op(
        "POST",
        "/v1/checkout",
        "Check out: one order per store, one PaymentIntent",
        "orders",
        auth="required",
        groups=("buyer",),
        body=order_model.CheckoutRequest,
        response=CHECKOUT,
        status=201,
        errors=(409, 503),
        headers=(IDEMPOTENCY,),
    ),
    Op(
        "GET",
        "/v1/checkouts/{checkout_id}",
        "Show my checkout",
        "orders",
        auth="required",
        response=CHECKOUT,
        errors=(404,),
    ),
    Op(
        "GET",
        "/v1/orders",
        "List my orders, newest first",
        "orders",
        auth="required",
        groups=("buyer",),
        response=_page(ORDER),
        query=ORDER_QUERY,
        errors=(422,),
    ),
    Op(
        "GET",
        "/v1/stores/{store_id}/orders",
        "List my store's orders",
        "orders",
        auth="required",
        response=_page(ORDER),
        query=ORDER_QUERY,
        errors=(404, 422),
    ),
    Op("GET", "/v1/orders/{order_id}", "Show an order", "orders", auth="required", response=ORDER, errors=(404,)),
    Op(
        "POST",
        "/v1/orders/{order_id}/accept",
        "Accept a paid order (store owner)",
        "orders",
        auth="required",
        response=ORDER,
        errors=(403, 404, 409),
    ),
    Op(
        "POST",
        "/v1/orders/{order_id}/ready",
        "Mark an accepted order ready (store owner)",
        "orders",
        auth="required",
        response=ORDER,
        errors=(403, 404, 409),
    ),
    Op(
        "POST",
        "/v1/orders/{order_id}/complete",
        "Complete a ready order",
        "orders",
        auth="required",
        response=ORDER,
        errors=(403, 404, 409),
    ),
    Op(
        "POST",
        "/v1/orders/{order_id}/cancel",
        "Cancel an order; a paid one is refunded",
        "orders",
        auth="required",
        body=order_model.CancelRequest,
        response=ORDER,
        errors=(403, 404, 409),
    ),
    Op(
        "POST",
        "/v1/webhooks/stripe",
        "Receive a Stripe event (signed)",
        "payments",
        response=_obj({"received": {"type": "boolean"}, "duplicate": {"type": "boolean"}}),
        errors=(400,),
        headers=(("Stripe-Signature", {"type": "string"}),),
    ),
    Op(
        "POST",
        "/v1/dev/checkouts/{checkout_id}/pay",
        "Pay with a test card (local stage only)",
        "payments",
        auth="required",
        body=DevPayment,
        response=_obj(
            {
                "checkout_id": {"type": "string"},
                "payment_intent_id": {"type": "string"},
                "payment_intent_status": {"type": "string"},
            }
        ),
        errors=(404, 409),
    ),
    Op(
        "POST",
        "/v1/admin/asn",
        "Upsert ASN roster rows (<= 500; bad rows listed, good rows kept)",
        "spending",
        auth="required",
        groups=("admin",),
        body=spending_model.AsnRow,
        body_schema=ROSTER_BODY,
        response=_obj({"upserted": INT}),
        errors=(422,),
    ),
    Op(
        "GET",
        "/v1/admin/asn",
        "Page through the roster",
        "spending",
        auth="required",
        groups=("admin",),
        response=_page(ASN),
        query=(DEPARTMENT_QUERY,),
    ),
    Op(
        "PUT",
        "/v1/admin/spending-policy",
        "Set the monthly quota policy",
        "spending",
        auth="required",
        groups=("admin",),
        body=spending_model.Policy,
        response=POLICY,
    ),
    Op(
        "GET",
        "/v1/admin/spending-policy",
        "Show the quota policy",
        "spending",
        auth="required",
        groups=("admin",),
        response=POLICY,
    ),
    Op(
        "GET",
        "/v1/me/spending",
        "My spending obligation for a month (ASN)",
        "spending",
        auth="required",
        response=SPENDING,
        query=(MONTH_QUERY,),
        errors=(403, 422),
    ),
    Op(
        "GET",
        "/v1/admin/compliance",
        "Compliance per department",
        "reports",
        auth="required",
        groups=("admin",),
        response=COMPLIANCE,
        query=(MONTH_QUERY, DEPARTMENT_QUERY),
        errors=(422,),
    ),
    Op(
        "GET",
        "/v1/admin/compliance/laggards",
        "ASN below quota",
        "reports",
        auth="required",
        groups=("admin",),
        response=_page(LAGGARD),
        query=(MONTH_QUERY, DEPARTMENT_QUERY),
        errors=(422,),
    ),
    Op(
        "POST",
        "/v1/admin/reminders/run",
        "Run the reminder job now",
        "spending",
        auth="required",
        groups=("admin",),
        body_schema={
            **_obj({"month": {"type": "string"}, "as_of": {"type": "string"}}, required=[]),
            "additionalProperties": False,
        },
        response={"type": "object"},
        errors=(422,),
    ),
    Op(
        "GET",
        "/v1/admin/reports/sales",
        "Orders and GMV by day, kecamatan, store or category",
        "reports",
        auth="required",
        groups=("admin",),
        response=SALES,
        query=(
            ("from", _or_empty({"type": "string", "pattern": DAY})),
            ("to", _or_empty({"type": "string", "pattern": DAY})),
            ("group_by", {"enum": ["day", "kecamatan", "store", "category"]}),
        ),
        errors=(422,),
    ),
    Op(
        "GET",
        "/v1/admin/reports/fairness",
        "Spread of seller income (Gini, top-decile share)",
        "reports",
        auth="required",
        groups=("admin",),
        response=FAIRNESS,
        query=(MONTH_QUERY,),
        errors=(422,),
    ),
    Op(
        "GET",
        "/v1/admin/jobs",
        "Show the last run of every scheduled job",
        "operations",
        auth="required",
        groups=("admin",),
        response=_page(JOB),
        paged=False,
    ),
)


def _parameters(op: Op) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMS.get(name, ID_PARAM)}
        for name in _path_params(op.path)
    ]
    params += [{"name": name, "in": "query", "schema": schema} for name, schema in op.query]
    params += [{"name": name, "in": "header", "required": True, "schema": schema} for name, schema in op.headers]
    if _takes_idempotency_key(op):
        params.append({"name": IDEMPOTENCY[0], "in": "header", "required": False, "schema": IDEMPOTENCY[1]})
    if op.is_paged:
        params += [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            {"name": "cursor", "in": "query", "schema": {"type": "string", "maxLength": 512}},
        ]
    return params


def _takes_idempotency_key(op: Op) -> bool:
    """Every signed-in POST accepts an Idempotency-Key (checkout requires one)."""
    return op.method == "POST" and op.auth != "none" and IDEMPOTENCY not in op.headers


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _operation(op: Op, schemas: dict[str, Any]) -> dict[str, Any]:
    statuses = set(op.errors) | {405}
    if op.body is not None or op.body_schema is not None:
        statuses |= {400, 422}
    if op.is_paged:
        statuses.add(422)
    if _path_params(op.path):
        statuses.add(404)  # no such object; an id over 64 characters is no route at all
    if _takes_idempotency_key(op):
        statuses |= {409, 422}  # still running; reused with another body (or malformed)
    if op.auth != "none":
        statuses.add(401)
    if op.groups:
        statuses.add(403)
    success: dict[str, Any] = {"description": "Success"}
    if op.status != 204:
        success["content"] = {"application/json": {"schema": _refined(op.response)}}
    out: dict[str, Any] = {
        "summary": op.summary,
        "tags": [op.tag],
        "operationId": f"{op.method.lower()}_{op.path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}",
        "parameters": _parameters(op),
        "responses": {
            str(op.status): success,
            **{str(s): {"$ref": f"#/components/responses/E{s}"} for s in sorted(statuses)},
        },
    }
    if op.auth == "required":
        out["security"] = [{"bearer": []}]
    elif op.auth == "optional":
        out["security"] = [{}, {"bearer": []}]
    body: dict[str, Any] | None = None
    if op.body is not None:
        schema = op.body.model_json_schema(ref_template=REF)
        schemas.update({name: _refined(s) for name, s in schema.pop("$defs", {}).items()})
        body = schemas[op.body.__name__] = _refined(schema)
    if op.body_schema is not None:
        body = _refined(op.body_schema)
    if body is not None:
        reference = {"$ref": REF.format(model=op.body.__name__)} if op.body and not op.body_schema else body
        media: dict[str, Any] = {"schema": reference}
        example = BODY_EXAMPLES.get(f"{op.method} {op.path}")
        if example is not None:
            media["examples"] = {"valid": {"value": example}}
        # An absent body reads as {}: it is required only where the object has required fields.
        out["requestBody"] = {"required": bool(body.get("required")), "content": {"application/json": media}}
    return out


def _refined(schema: dict[str, Any], name: str = "") -> dict[str, Any]:
    """Add what the validators check beyond the models' own schema, and the formats of answers.

    Returns a new schema (the constants above share sub-schemas); walks properties, array
    items and anyOf branches, naming each sub-schema by its property.
    """
    out = dict(schema)
    if "properties" in out:
        out["properties"] = {key: _refined(sub, key) for key, sub in out["properties"].items()}
    if "anyOf" in out:
        out["anyOf"] = [_refined(sub, name) for sub in out["anyOf"]]
    if isinstance(out.get("items"), dict):
        out["items"] = _refined(out["items"], name)
    kinds = out.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "string" in kinds:
        if name.endswith("_at"):
            out["pattern"] = TIMESTAMP
        elif name == "month":
            out["pattern"] = MONTH
        elif name in ("from", "to", "as_of"):
            out["pattern"] = DAY
        elif name == "email":
            out["pattern"] = EMAIL
        elif name == "image_url":
            out["pattern"] = HTTPS_URL
        elif name == "nip":
            out["pattern"] = NIP
        elif name == "grade":
            out["enum"] = list(spending_model.GRADES)
        elif name.endswith("_id") and "maxLength" not in out:
            out["minLength"] = 1
    if "string" in kinds and name in EXAMPLES and "anyOf" not in out:
        out["examples"] = EXAMPLES[name]
    if "integer" in kinds and name in NON_NEGATIVE and "minimum" not in out:
        out["minimum"] = 0
    if name == "groups" and kinds == ["array"]:
        out["items"] = {"enum": GROUPS}
    if name == "quota_by_grade" and kinds == ["object"]:
        out["propertyNames"] = {"enum": list(spending_model.GRADES)}
    return out


def _error(codes: tuple[str, ...] | None) -> dict[str, Any]:
    """The API.md error body; a validation error names the field in `details.field`."""
    code = {"enum": list(codes)} if codes else {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
    error = _obj({"code": code, "message": {"type": "string", "minLength": 1}, "details": {"type": "object"}})
    error["additionalProperties"] = False
    error["if"] = {"properties": {"code": {"const": "validation_error"}}}
    error["then"] = {"properties": {"details": _obj({"field": {"type": "string", "minLength": 1}})}}
    return {**_obj({"error": error}), "additionalProperties": False}


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """Build the document once per process."""
    schemas: dict[str, Any] = {
        "Error": _error(None),
        **{f"Error{status}": _error(codes) for status, codes in ERROR_CODES.items()},
    }
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        if op.path.startswith(DEV_PATHS) and not dev_routes_enabled():
            continue  # not registered outside the local stack
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schemas)
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
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": {
                f"E{status}": {
                    "description": text,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/Error{status}"}}},
                }
                for status, text in ERROR_STATUSES.items()
            },
        },
    }
