"""Authorization matrix: every endpoint x every kind of caller, from one table, over real HTTP.

Each row of TABLE is one (method, route) with the objects its parameters name and the
status each principal must get; each (row, principal) is its own test. The objects belong
to buyer A and seller X, so "B reads A's order" and "Y edits X's product" are cells.

Who is who: `buyer_a`, `buyer_b` (buyers), `asn` (a buyer whose `custom:nip` is in the
roster), `seller_x` (owns store X and everything made from it), `seller_y` (owns store Y),
`admin`, `finance` (the treasury officer: refused wherever only admins may go, unless a row
says otherwise), `anonymous` (no Authorization header), `forged` (A's token with its groups
rewritten to admin, signature left as it was), `expired` (signed by the stack's own key
with admin groups, an hour past `exp`).

State: cells share one object of each kind, except that a cell expected to succeed in a
`fresh` row gets an object of its own (all made before the first cell); a row's `prepare`
step runs before each cell expected to succeed (e.g. filling that caller's cart). So a
successful cancel or approve never changes what another cell sees, and a denied caller
always meets an object in the state where the action would work for the right caller.

Rules read from API.md, and where it is silent, what the app does (on purpose):
- someone else's order or checkout is 404, whatever the caller's groups (its existence is
  private). Someone else's *visible* store or product is 403 to a change; an invisible one
  (pending store, withdrawn product) is 404 to read or change for everyone but its owner
  and admins (admins read it, and are refused a change with 403).
- routes that never read a token (health, OpenAPI, dev token, categories, reference
  prices, store list, webhook) ignore a bad one; routes that read it when present (store,
  product and product list) answer 401 to a bad one, as protected routes do.
- admins may read any store's orders (API.md names only the owner; admins read every order).
- an order's disputes are 404 to whoever may not read the order, except finance, who reads
  every dispute list (as a store's disputes).
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from chalicelib import http
from tests.e2e.conftest import RunningStack, start_stack
from tests.e2e.shop import Shop
from tests.helpers import error_of, load_key, sign, tamper

TIMEOUT = 30

SIGNED_IN = ("buyer_a", "buyer_b", "asn", "seller_x", "seller_y", "admin", "finance")
PRINCIPALS = ("anonymous", *SIGNED_IN, "forged", "expired")
CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found"}

# The object each route parameter names unless a row says otherwise.
DEFAULT_KINDS = {
    "store_id": "store",
    "product_id": "product",
    "order_id": "order",
    "checkout_id": "checkout",
    "sku": "sku",
    "notification_id": "notification",
    "nip": "asn_row",
    "batch_id": "batch",
    "dispute_id": "dispute",
    "export_id": "export",
    "flag_id": "risk_flag",
}


def statuses(signed_in: int, *, anonymous: int = 401, bad_token: int = 401, **principal: int) -> dict[str, int]:
    """Expected status per principal: one for every signed-in caller, then the exceptions."""
    unknown = set(principal) - set(SIGNED_IN)
    if unknown:
        raise ValueError(f"unknown principals {sorted(unknown)}")
    bad = {"anonymous": anonymous, "forged": bad_token, "expired": bad_token}
    return {p: signed_in for p in SIGNED_IN} | bad | principal


OPEN = statuses(200, anonymous=200, bad_token=200)  # the route never reads a token
PUBLIC = statuses(200, anonymous=200)  # anyone, but a token that is sent must be valid
SIGNED = statuses(200)
ADMIN = statuses(403, admin=200)
BUYERS = statuses(403, buyer_a=200, buyer_b=200, asn=200)


@dataclass
class World:
    """The running stack, a header set per principal, and the objects rows refer to."""

    stack: RunningStack
    shop: Shop
    ids: dict[str, str]  # user id of each signed-in principal
    headers: dict[str, dict[str, str]]
    shared: dict[str, str] = field(default_factory=dict)  # kind -> the object cells use
    fresh: dict[str, list[str]] = field(default_factory=dict)  # kind -> objects for succeeding cells
    bodies: dict[str, Any] = field(default_factory=dict)  # current settings and policy, written back as they are

    def call(self, method: str, path: str, who: str, body: Any = None) -> requests.Response:
        return self.shop.call(method, path, self.headers[who], body)

    def take(self, kind: str) -> str:
        pool = self.fresh.get(kind)
        if not pool:
            raise AssertionError(f"no fresh {kind} left; count it in fresh_needs()")
        return pool.pop()


Body = Callable[[World], Any]
Check = Callable[[World, str, Mapping[str, str], Any], None]  # (world, principal, route values, body)


@dataclass(frozen=True)
class Row:
    """One endpoint (and which objects its parameters name) with the status each principal gets."""

    method: str
    route: str  # exactly as the app declares it
    expect: Mapping[str, int]
    uses: Mapping[str, str] = field(default_factory=dict)  # parameter -> object kind, if not the default
    body: Body | None = None
    query: str = ""
    fresh: bool = False  # succeeding cells change their object: each gets its own
    prepare: Callable[[World, str], None] | None = None  # before a succeeding cell, as that principal
    idempotency_key: bool = False
    codes: Mapping[int, str] = field(default_factory=dict)  # error codes other than CODES
    check: Check | None = None  # what a succeeding answer may show this principal

    def kinds(self) -> dict[str, str]:
        params = re.findall(r"{(\w+)}", self.route)
        return {p: self.uses.get(p, DEFAULT_KINDS[p]) for p in params}

    def variant(self) -> str:
        odd = [kind for param, kind in self.kinds().items() if kind != DEFAULT_KINDS[param]]
        return f" [{','.join(odd)}]" if odd else ""

    def values(self, world: World, own: bool) -> dict[str, str]:
        return {p: world.take(k) if own else world.shared[k] for p, k in self.kinds().items()}


def store_application(world: World) -> dict[str, Any]:
    return {
        "name": f"Toko Matriks {uuid.uuid4().hex[:6]}",  # a store of its own (the same application is one store)
        "kind": "umkm",
        "kecamatan": "Genteng",
        "kelurahan": "Ketabang",
        "address": "Jl. Matriks 1",
        "phone_number": "081234500000",
    }


def new_product(world: World) -> dict[str, Any]:
    return {"name": "Kerupuk Matriks", "category": "kuliner", "unit": "bungkus", "price_idr": 5_000, "stock": 5}


def fill_cart(world: World, who: str) -> None:
    put = world.call("PUT", f"/v1/cart/items/{world.shared['product']}", who, {"quantity": 1})
    assert put.status_code == 200, put.text


def constant(value: Any) -> Body:
    return lambda world: value


REASON = constant({"reason": "matriks otorisasi"})


def handover_code(world: World) -> dict[str, str]:
    """The handover code of the cell's order, as its buyer (A) shows it to the store (ignored from the buyer)."""
    order_id = world.bodies["cell_values"]["order_id"]
    shown = world.call("GET", f"/v1/orders/{order_id}", "buyer_a").json()
    return {"handover_code": shown["handover_code"]}


STORE_PRIVATE = ("phone_number", "nib", "reason", "turnover_month_idr")


def private_to_owner(*fields: str) -> Check:
    """Only seller X (the owner) and admins see these fields."""

    def check(world: World, who: str, values: Mapping[str, str], body: Any) -> None:
        shown = {f for f in fields if f in body}
        assert shown == (set(fields) if who in ("seller_x", "admin") else set()), shown

    return check


def no_private_store_fields(world: World, who: str, values: Mapping[str, str], body: Any) -> None:
    assert body["items"] and all(not set(STORE_PRIVATE) & set(item) for item in body["items"])


def is_me(world: World, who: str, values: Mapping[str, str], body: Any) -> None:
    assert body["user_id"] == world.ids[who]
    assert (body["asn"] is not None) == (who == "asn"), body["asn"]  # the roster knows only the ASN's NIP


def own_stores(world: World, who: str, values: Mapping[str, str], body: Any) -> None:
    owners = {s["owner_id"] for s in body["items"]}
    assert owners == {world.ids[who]}, owners  # X and Y each applied for stores; nobody sees the other's


def own_orders(world: World, who: str, values: Mapping[str, str], body: Any) -> None:
    buyers = {o["buyer_id"] for o in body["items"]}
    assert buyers <= {world.ids[who]} and (buyers or who != "buyer_a"), buyers  # A has orders; others see none of them


def store_orders(world: World, who: str, values: Mapping[str, str], body: Any) -> None:
    expected = {values["store_id"]} if values["store_id"] == world.shared["store"] else set()
    assert {o["store_id"] for o in body["items"]} == expected


def the_order(world: World, who: str, values: Mapping[str, str], body: Any) -> None:
    assert (body["order_id"], body["buyer_id"]) == (values["order_id"], world.ids["buyer_a"])


def the_checkout(world: World, who: str, values: Mapping[str, str], body: Any) -> None:
    assert body["checkout_id"] == values["checkout_id"] and body["payment"]["client_secret"]


BANK_ACCOUNT = {"method": "bank_transfer", "bank_code": "014", "account_number": "1234567890", "account_name": "X"}
# Who may read any store's payout account and verify bank accounts.
PAYOUT_OFFICERS = {who: 200 for who in ("admin", "finance") if who in SIGNED_IN}


def payout_account(body: dict[str, str]) -> Callable[[World, str], None]:
    """Before a succeeding cell: seller X sets store X's payout account so (bank, or Stripe Connect)."""

    def prepare(world: World, who: str) -> None:
        put = world.call("PUT", f"/v1/stores/{world.shared['store']}/payout-account", "seller_x", body)
        assert put.status_code == 200, put.text

    return prepare


def masked_account(world: World, who: str, values: Mapping[str, str], body: Any) -> None:
    assert body["account_number_masked"].endswith("7890") and "1234567890" not in str(body)


TABLE: list[Row] = [
    # health and local identity
    Row("GET", "/v1/health", OPEN),
    Row("GET", "/v1/openapi.json", OPEN),
    Row("POST", "/v1/dev/token", OPEN, body=constant({"user_id": "authz-probe", "groups": ["buyer"]})),
    # profiles and inbox
    Row("GET", "/v1/me", SIGNED, check=is_me),
    Row("PUT", "/v1/me", SIGNED, body=constant({"locale": "id"})),
    Row("GET", "/v1/me/notifications", SIGNED),
    Row("POST", "/v1/me/notifications/read", statuses(204), body=constant({"ids": ["01JDZQ8V6W3X5Y7Z9A1B2C3D4E"]})),
    Row("POST", "/v1/me/notifications/{notification_id}/read", statuses(404, buyer_a=204)),
    Row("GET", "/v1/me/spending", statuses(403, asn=200)),
    # the roster and the quota policy
    Row("POST", "/v1/admin/asn", ADMIN, body=lambda w: {"rows": [w.bodies["roster_row"]]}),
    Row("GET", "/v1/admin/asn", ADMIN),
    Row("GET", "/v1/admin/asn/{nip}", ADMIN),
    Row("PATCH", "/v1/admin/asn/{nip}", ADMIN, body=constant({"grade": "II/a"})),
    Row("DELETE", "/v1/admin/asn/{nip}", statuses(403, admin=204), fresh=True),
    Row("PUT", "/v1/admin/spending-policy", ADMIN, body=lambda w: w.bodies["policy"]),
    Row("GET", "/v1/admin/spending-policy", ADMIN),
    # stores and curation
    Row("POST", "/v1/stores", statuses(403, seller_x=201, seller_y=201), body=store_application),
    Row("GET", "/v1/stores", OPEN, check=no_private_store_fields),
    Row("GET", "/v1/me/stores", statuses(403, seller_x=200, seller_y=200), check=own_stores),
    Row("GET", "/v1/stores/{store_id}", PUBLIC, check=private_to_owner(*STORE_PRIVATE)),
    Row(
        "GET",
        "/v1/stores/{store_id}",
        statuses(404, anonymous=404, seller_x=200, admin=200),
        uses={"store_id": "pending_store"},
        check=private_to_owner(*STORE_PRIVATE),
    ),
    Row("PATCH", "/v1/stores/{store_id}", statuses(403, seller_x=200), body=constant({"address": "Jl. Matriks 2"})),
    Row(
        "PATCH",
        "/v1/stores/{store_id}",
        statuses(404, seller_x=200, admin=403),
        uses={"store_id": "pending_store"},
        body=constant({"address": "Jl. Matriks 3"}),
    ),
    Row("GET", "/v1/admin/stores", ADMIN),
    Row("POST", "/v1/admin/stores/{store_id}/approve", ADMIN, uses={"store_id": "pending_store"}, fresh=True),
    Row(
        "POST",
        "/v1/admin/stores/{store_id}/reject",
        ADMIN,
        uses={"store_id": "pending_store"},
        body=REASON,
        fresh=True,
    ),
    Row("POST", "/v1/admin/stores/{store_id}/suspend", ADMIN, body=REASON, fresh=True),
    # catalog
    Row("GET", "/v1/categories", OPEN),
    Row("GET", "/v1/wilayah", OPEN),
    Row(
        "PUT",
        "/v1/admin/reference-prices/{sku}",
        ADMIN,
        body=constant({"name": "Garam matriks", "unit": "kg", "max_price_idr": 12_000}),
    ),
    Row("GET", "/v1/reference-prices", OPEN),
    Row("POST", "/v1/stores/{store_id}/products", statuses(403, seller_x=201), body=new_product),
    Row(
        "POST",
        "/v1/stores/{store_id}/products",
        statuses(403, seller_x=409, seller_y=404),
        uses={"store_id": "pending_store"},
        body=new_product,
        codes={409: "store_unavailable"},
    ),
    Row("GET", "/v1/products", PUBLIC),
    Row("GET", "/v1/products/{product_id}", PUBLIC, check=private_to_owner("hidden_reason")),
    Row(
        "GET",
        "/v1/products/{product_id}",
        statuses(404, anonymous=404, seller_x=200, admin=200),
        uses={"product_id": "withdrawn_product"},
        check=private_to_owner("hidden_reason"),
    ),
    Row("PATCH", "/v1/products/{product_id}", statuses(403, seller_x=200), body=constant({"description": "Renyah"})),
    Row(
        "PATCH",
        "/v1/products/{product_id}",
        statuses(404, seller_x=200, admin=403),
        uses={"product_id": "withdrawn_product"},
        body=constant({"description": "Habis"}),
    ),
    Row("DELETE", "/v1/products/{product_id}", statuses(403, seller_x=204), fresh=True),
    Row(
        "DELETE",
        "/v1/products/{product_id}",
        statuses(404, seller_x=204, admin=403),
        uses={"product_id": "withdrawn_product"},
    ),
    Row("GET", "/v1/stores/{store_id}/products", PUBLIC),
    Row("POST", "/v1/admin/products/{product_id}/take-down", ADMIN, body=REASON, fresh=True),
    Row(
        "POST",
        "/v1/admin/products/{product_id}/restore",
        statuses(403, admin=409),
        codes={409: "invalid_transition"},
    ),
    # cart, checkout, orders
    Row("GET", "/v1/cart", BUYERS),
    Row("DELETE", "/v1/cart", BUYERS),
    Row("PUT", "/v1/cart/items/{product_id}", BUYERS, body=constant({"quantity": 1})),
    Row("DELETE", "/v1/cart/items/{product_id}", BUYERS),
    Row(
        "POST",
        "/v1/checkout",
        statuses(403, buyer_a=201, buyer_b=201, asn=201),
        body=constant({"fulfillment": {"method": "pickup"}}),
        prepare=fill_cart,
        idempotency_key=True,
    ),
    Row("GET", "/v1/checkouts/{checkout_id}", statuses(404, buyer_a=200), check=the_checkout),
    Row("GET", "/v1/orders", BUYERS, check=own_orders),
    Row("GET", "/v1/stores/{store_id}/orders", statuses(403, seller_x=200, admin=200), check=store_orders),
    Row(
        "GET",
        "/v1/stores/{store_id}/orders",
        statuses(404, seller_x=200, admin=200),
        uses={"store_id": "pending_store"},
        check=store_orders,
    ),
    Row("GET", "/v1/orders/{order_id}", statuses(404, buyer_a=200, seller_x=200, admin=200), check=the_order),
    Row("GET", "/v1/admin/orders", ADMIN, query="?status=awaiting_payment"),
    Row(
        "POST",
        "/v1/orders/{order_id}/accept",
        statuses(404, seller_x=200, buyer_a=403, admin=403),
        uses={"order_id": "paid_order"},
        fresh=True,
    ),
    Row(
        "POST",
        "/v1/orders/{order_id}/ready",
        statuses(404, seller_x=200, buyer_a=403, admin=403),
        uses={"order_id": "accepted_order"},
        fresh=True,
    ),
    Row(
        "POST",
        "/v1/orders/{order_id}/complete",  # its store owner with the buyer's handover code
        statuses(404, buyer_a=200, seller_x=200, admin=403),
        uses={"order_id": "ready_order"},
        body=handover_code,
        fresh=True,
    ),
    Row(
        "POST",
        "/v1/orders/{order_id}/cancel",
        statuses(404, buyer_a=200, seller_x=200, admin=200),
        body=REASON,
        fresh=True,
    ),
    Row(
        "POST",
        "/v1/admin/orders/{order_id}/refunds",  # an officer's goodwill refund of part of a paid order
        statuses(403, admin=202),
        uses={"order_id": "paid_order"},
        body=constant({"amount_idr": 1000, "reason": "goodwill"}),
        idempotency_key=True,
        fresh=True,
    ),
    # disputes (on buyer A's ready orders at store X)
    Row(
        "POST",
        "/v1/orders/{order_id}/disputes",
        statuses(403, buyer_a=201, buyer_b=404, asn=404),
        uses={"order_id": "ready_order"},
        body=lambda w: {
            "reason": "damaged",
            "description": "matriks otorisasi",
            "lines": [{"product_id": w.shared["product"], "quantity": 1}],
        },
        fresh=True,
    ),
    Row("GET", "/v1/disputes/{dispute_id}", statuses(404, buyer_a=200, seller_x=200, admin=200)),
    Row(
        "POST",
        "/v1/disputes/{dispute_id}/messages",
        statuses(404, buyer_a=201, seller_x=201, admin=201),
        body=constant({"body": "matriks otorisasi"}),
    ),
    Row("POST", "/v1/disputes/{dispute_id}/accept", statuses(403, seller_x=200, seller_y=404), fresh=True),
    Row(
        "POST",
        "/v1/disputes/{dispute_id}/contest",
        statuses(403, seller_x=200, seller_y=404),
        body=REASON,
        fresh=True,
    ),
    Row(
        "GET",
        "/v1/orders/{order_id}/disputes",  # an order's disputes: as its read, plus finance (as a store's disputes)
        statuses(404, buyer_a=200, seller_x=200, admin=200, finance=200),
    ),
    Row("GET", "/v1/admin/disputes", ADMIN, query="?status=open"),
    Row(
        "GET",
        "/v1/stores/{store_id}/disputes",
        statuses(403, seller_x=200, admin=200, finance=200),
        query="?status=open",
    ),
    Row(
        "POST",
        "/v1/admin/disputes/{dispute_id}/resolve",
        ADMIN,
        body=constant({"outcome": "reject", "note": "matriks otorisasi"}),
        fresh=True,
    ),
    # payments
    Row(
        "POST",
        "/v1/webhooks/stripe",
        statuses(400, anonymous=400, bad_token=400),
        codes={400: "bad_signature"},
    ),
    # evidence uploads (any signed-in user, under a prefix of their own)
    Row("POST", "/v1/uploads", statuses(201), body=constant({"content_type": "image/png", "size_bytes": 1024})),
    # payout accounts
    Row(
        "GET",
        "/v1/stores/{store_id}/payout-account",
        statuses(403, seller_x=200, **PAYOUT_OFFICERS),
        prepare=payout_account(BANK_ACCOUNT),
        check=masked_account,
    ),
    Row(
        "PUT",
        "/v1/stores/{store_id}/payout-account",
        statuses(403, seller_x=200),
        body=constant(BANK_ACCOUNT),
        check=masked_account,
    ),
    Row(
        "POST",
        "/v1/stores/{store_id}/payout-account/onboarding-link",
        statuses(403, seller_x=200),
        prepare=payout_account({"method": "stripe_connect"}),
    ),
    Row(
        "POST",
        "/v1/admin/stores/{store_id}/payout-account/verify",
        statuses(403, **PAYOUT_OFFICERS),
        body=constant({}),
        prepare=payout_account(BANK_ACCOUNT),
    ),
    Row(
        "POST",
        "/v1/dev/checkouts/{checkout_id}/pay",
        statuses(404, buyer_a=200),
        body=constant({"outcome": "succeeded"}),
        fresh=True,
    ),
    # settlement
    Row("GET", "/v1/stores/{store_id}/balance", statuses(403, seller_x=200, admin=200, finance=200)),
    Row("GET", "/v1/stores/{store_id}/statement", statuses(403, seller_x=200, admin=200, finance=200)),
    Row("GET", "/v1/admin/reports/money", statuses(403, admin=200, finance=200)),
    # payout batches (the matrix's stack has no money due: the run answers 200 and batches are 404)
    Row("POST", "/v1/admin/payouts/run", statuses(403, finance=200)),
    Row("GET", "/v1/admin/payout-batches", statuses(403, admin=200, finance=200), query="?status=completed"),
    Row("GET", "/v1/admin/payout-batches/{batch_id}", statuses(403, admin=404, finance=404)),
    Row("POST", "/v1/admin/payout-batches/{batch_id}/approve", statuses(403, finance=404)),
    Row("GET", "/v1/admin/payout-batches/{batch_id}/file", statuses(403, finance=404)),
    Row(
        "POST",
        "/v1/admin/payout-batches/{batch_id}/results",
        statuses(403, finance=404),
        body=constant({"results": [{"payout_id": "01JDZQ8V6W3X5Y7Z9A1B2C3D4E", "status": "paid"}]}),
    ),
    Row("GET", "/v1/stores/{store_id}/payouts", statuses(403, seller_x=200, admin=200, finance=200)),
    # spending obligation and reports
    Row("GET", "/v1/admin/compliance", ADMIN),
    Row("GET", "/v1/admin/compliance/laggards", ADMIN),
    Row("POST", "/v1/admin/reminders/run", ADMIN, body=constant({})),
    Row("GET", "/v1/admin/reports/sales", ADMIN, query="?group_by=store"),
    Row("GET", "/v1/admin/reports/fairness", ADMIN),
    # risk signals (tests/e2e/test_risk.py): admins only
    Row("GET", "/v1/admin/risk-flags", ADMIN, query="?status=open&rule=self_dealing"),
    Row(
        "POST",
        "/v1/admin/risk-flags/{flag_id}/decide",
        ADMIN,
        body=constant({"decision": "dismiss", "note": "matriks otorisasi"}),
        fresh=True,
    ),
    # exports: compliance holds NIP and names (admin only; finance's sales and payouts: test_exports.py);
    # only its maker reads an export
    Row("POST", "/v1/admin/exports", statuses(403, admin=202), body=constant({"kind": "compliance"})),
    Row("GET", "/v1/admin/exports/{export_id}", statuses(403, admin=200, finance=404)),
    Row("GET", "/v1/admin/stores/health", ADMIN),
    # operations
    Row("GET", "/v1/admin/settings", ADMIN),
    Row("PUT", "/v1/admin/settings", ADMIN, body=lambda w: w.bodies["settings"]),
    Row("GET", "/v1/admin/jobs", ADMIN),
    Row("GET", "/v1/admin/notifications", ADMIN),
    Row("GET", "/v1/admin/audit", ADMIN),  # the audit trail (tests/e2e/test_audit.py)
]

CELLS = [(row, who) for row in TABLE for who in PRINCIPALS]


def cell_id(row: Row, who: str) -> str:
    return f"{row.method} {row.route}{row.variant()}-{who}"


def succeeds(status: int) -> bool:
    return 200 <= status < 300


def fresh_needs() -> Counter[str]:
    """How many objects of each kind the succeeding cells of fresh rows use up."""
    needs: Counter[str] = Counter()
    for row in TABLE:
        if row.fresh:
            for status in row.expect.values():
                if succeeds(status):
                    needs.update(row.kinds().values())
    return needs


# --- the world: principals and objects ----------------------------------------------------


def _pending_store(world: World) -> str:
    applied = world.call("POST", "/v1/stores", "seller_x", store_application(world))
    assert applied.status_code == 201, applied.text
    return str(applied.json()["store_id"])


def _store(world: World) -> str:
    return world.shop.store(world.headers["seller_x"])


def _product(world: World) -> str:
    return world.shop.product(world.headers["seller_x"], world.shared["store"], stock=1_000)


def _withdrawn_product(world: World) -> str:
    product_id = _product(world)
    assert world.call("DELETE", f"/v1/products/{product_id}", "seller_x").status_code == 204
    return product_id


def _checkout(world: World) -> dict[str, Any]:
    fill_cart(world, "buyer_a")
    made = world.shop.checkout(world.headers["buyer_a"])
    assert made.status_code == 201, made.text
    return dict(made.json())


def _notification(world: World) -> str:
    """An entry of buyer A's inbox (a profile change notice; the worker writes it a moment later)."""
    assert world.call("PUT", "/v1/me", "buyer_a", {"locale": "id"}).status_code == 200
    world.shop.wait(lambda: bool(world.call("GET", "/v1/me/notifications", "buyer_a").json()["items"]))
    return str(world.call("GET", "/v1/me/notifications", "buyer_a").json()["items"][0]["id"])


def _asn_row(world: World) -> str:
    """A roster row of its own (not the `asn` principal's), by its NIP."""
    nip = f"{uuid.uuid4().int % 10**18:018d}"
    row = {"nip": nip, "name": "Citra Matriks", "department": "Dinas Matriks", "grade": "II/a"}
    assert world.call("POST", "/v1/admin/asn", "admin", {"rows": [row]}).json() == {"upserted": 1}
    return nip


def _order(world: World) -> str:
    return str(_checkout(world)["orders"][0]["order_id"])


def _dispute(world: World) -> str:
    """A dispute of its own: buyer A disputes one of the ready orders made for disputes."""
    order_id = world.fresh["disputed_order"].pop()
    body = {
        "reason": "damaged",
        "description": "matriks",
        "lines": [{"product_id": world.shared["product"], "quantity": 1}],
    }
    opened = world.call("POST", f"/v1/orders/{order_id}/disputes", "buyer_a", body)
    assert opened.status_code == 201, opened.text
    return str(opened.json()["dispute_id"])


def _checkout_id(world: World) -> str:
    return str(_checkout(world)["checkout_id"])


def _risk_flag(world: World) -> str:
    """An open self_dealing flag of its own: a new buyer with seller X's phone pays an order at store X."""
    phone = {"phone_number": "081277770000"}
    assert world.call("PUT", "/v1/me", "seller_x", phone).status_code == 200
    user_id = f"authz-twin-{uuid.uuid4().hex[:8]}"
    twin = world.stack.headers(user_id, ["buyer"])
    assert world.shop.call("PUT", "/v1/me", twin, phone).status_code == 200
    assert world.shop.put(twin, world.shared["product"], 1).status_code == 200
    made = world.shop.checkout(twin)
    assert made.status_code == 201, made.text
    assert world.shop.pay(twin, made.json()["checkout_id"]).status_code == 200

    def raised() -> list[dict[str, Any]]:
        items = world.call("GET", "/v1/admin/risk-flags?rule=self_dealing&limit=100", "admin").json()["items"]
        return [f for f in items if f["subject"].get("buyer_id") == user_id]

    world.shop.wait(lambda: bool(raised()))
    return str(raised()[0]["flag_id"])


MAKERS: dict[str, Callable[[World], str]] = {
    "store": _store,
    "pending_store": _pending_store,
    "product": _product,
    "withdrawn_product": _withdrawn_product,
    "order": _order,
    "checkout": _checkout_id,
    "notification": _notification,
    "asn_row": _asn_row,
    "risk_flag": _risk_flag,
}
PIPELINE = ("paid_order", "accepted_order", "ready_order")  # (made together: payment is asynchronous)


def _paid_orders(world: World, counts: Mapping[str, int]) -> None:
    """Pay one checkout per order needed, wait for all, then move each to the state it is for."""
    total = sum(counts.values())
    made = [_checkout(world) for _ in range(total)]
    for checkout in made:
        assert world.shop.pay(world.headers["buyer_a"], checkout["checkout_id"]).status_code == 200
    orders = [str(c["orders"][0]["order_id"]) for c in made]
    for order_id in orders:
        world.shop.wait_status(world.headers["buyer_a"], order_id, "paid")
    steps = {"paid_order": (), "accepted_order": ("accept",), "ready_order": ("accept", "ready")}
    for kind in PIPELINE:
        for _ in range(counts[kind]):
            order_id = orders.pop()
            for step in steps[kind]:
                moved = world.call("POST", f"/v1/orders/{order_id}/{step}", "seller_x")
                assert moved.status_code == 200, moved.text
            world.fresh.setdefault(kind, []).append(order_id)


def build_world(stack: RunningStack) -> World:
    shop = Shop(stack)
    tag = shop.tag
    nip = f"{uuid.uuid4().int % 10**18:018d}"
    ids = {who: f"authz-{who}-{tag}" for who in SIGNED_IN}
    groups = {"seller_x": ["seller"], "seller_y": ["seller"], "admin": ["admin"], "finance": ["finance"]}
    headers = {who: stack.headers(ids[who], groups.get(who, ["buyer"])) for who in SIGNED_IN if who != "asn"}
    headers["asn"] = stack.headers(ids["asn"], ["buyer"], nip=nip)
    token_a = headers["buyer_a"]["Authorization"].removeprefix("Bearer ")
    now = int(time.time())
    expired = sign(
        load_key(stack.state_dir / "signing-key.pem"),
        sub=ids["buyer_a"],
        iat=now - 7200,
        exp=now - 3600,
        **{"cognito:groups": ["admin"]},
    )
    headers |= {
        "anonymous": {},
        "forged": {"Authorization": f"Bearer {tamper(token_a)}"},
        "expired": {"Authorization": f"Bearer {expired}"},
    }
    world = World(stack, shop, ids, headers)
    shop.admin = headers["admin"]

    roster = {"nip": nip, "name": "Asih Matriks", "department": "Dinas Matriks", "grade": "III/a"}
    assert world.call("POST", "/v1/admin/asn", "admin", {"rows": [roster]}).json() == {"upserted": 1}
    world.bodies["roster_row"] = {**roster, "nip": f"{(int(nip) + 1) % 10**18:018d}", "name": "Bayu Matriks"}
    world.bodies["settings"] = world.call("GET", "/v1/admin/settings", "admin").json()
    world.bodies["policy"] = world.call("GET", "/v1/admin/spending-policy", "admin").json()
    world.shop.store(headers["seller_y"])  # Y owns a store of its own

    world.shared["sku"] = f"matriks_{tag}"
    world.shared["batch"] = "01JDZQ8V6W3X5Y7Z9A1B2C3D4E"  # no such payout batch
    made = world.call("POST", "/v1/admin/exports", "admin", {"kind": "sales"})
    assert made.status_code == 202, made.text
    world.shared["export"] = made.json()["export_id"]  # the admin's: finance reads it as unknown
    shared_kinds = ("store", "pending_store", "product", "withdrawn_product", "order", "checkout", "notification")
    for kind in (*shared_kinds, "asn_row"):
        world.shared[kind] = MAKERS[kind](world)
    world.shared["risk_flag"] = _risk_flag(world)  # (needs the shared product)
    needs = fresh_needs()
    for kind, count in needs.items():
        if kind not in (*PIPELINE, "dispute"):
            world.fresh[kind] = [MAKERS[kind](world) for _ in range(count)]
    disputed = needs["dispute"] + 1  # ready orders for the disputes (fresh ones and the shared one)
    counts = {kind: needs[kind] + 1 + (disputed if kind == "ready_order" else 0) for kind in PIPELINE}
    _paid_orders(world, counts)  # one more each, shared
    world.fresh["disputed_order"] = [world.fresh["ready_order"].pop() for _ in range(disputed)]
    for kind in PIPELINE:
        world.shared[kind] = world.fresh[kind].pop()
    world.shared["dispute"] = _dispute(world)
    world.fresh["dispute"] = [_dispute(world) for _ in range(needs["dispute"])]
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    stack = start_stack(tmp_path_factory.mktemp("authz"), PEKEN_SCHEDULER="off")
    try:
        yield build_world(stack)
    finally:
        if stack.process.poll() is None:
            stack.stop()


# --- the tests ----------------------------------------------------------------------------


def test_every_route_has_a_row() -> None:
    """A new endpoint without a row (or a row for a removed one) fails here."""
    import app as app_module

    declared = {
        (method, path)
        for path, entries in app_module.app.routes.items()
        for method, entry in entries.items()
        if not http.is_fallback(entry.view_name)  # preflight and 405 answers the app adds itself
    }
    covered = {(row.method, row.route) for row in TABLE}
    assert sorted(declared - covered) == [], "endpoints without a row in TABLE"
    assert sorted(covered - declared) == [], "rows for endpoints the app does not have"


def test_the_table_is_well_formed() -> None:
    ids = [cell_id(row, who) for row, who in CELLS]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for row in TABLE:
        assert set(row.expect) == set(PRINCIPALS), row.route
        assert set(row.uses) <= set(row.kinds()), row.route
        for who in ("anonymous", "forged", "expired"):
            assert row.expect[who] in (200, 400, 401, 404), (row.route, who)  # never 403: nobody is known
        assert all(status < 500 for status in row.expect.values())


@pytest.mark.parametrize(("row", "who"), CELLS, ids=[cell_id(row, who) for row, who in CELLS])
def test_cell(world: World, row: Row, who: str) -> None:
    expected = row.expect[who]
    own = succeeds(expected) and row.fresh
    values = row.values(world, own)
    if succeeds(expected) and row.prepare is not None:
        row.prepare(world, who)
    headers = dict(world.headers[who])
    if row.idempotency_key:
        headers["Idempotency-Key"] = uuid.uuid4().hex
    world.bodies["cell_values"] = values  # a body may depend on the cell's objects (a handover code)
    body = row.body(world) if row.body is not None else None
    url = f"{world.stack.url}{row.route.format(**values)}{row.query}"
    response = requests.request(row.method, url, headers=headers, json=body, timeout=TIMEOUT)
    assert response.status_code == expected, f"{response.status_code} {response.text[:500]}"
    if not succeeds(expected):
        assert error_of(response.json())["code"] == row.codes.get(expected, CODES.get(expected))
    elif row.check is not None:
        row.check(world, who, values, response.json())
