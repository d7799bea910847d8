"""Abuse over HTTP: what a hostile client sends must get a clear 4xx and change nothing.

Oversized and unframed bodies, JSON 10,000 levels deep or not an object, absurd `limit`s,
cursors taken from someone else's list or edited by hand, CR/LF and oversized headers,
hostile path parameters, stale or malformed (but signed) webhooks, and Idempotency-Keys
shared between users or reused for another request. Every answer must be below 500, in the
API.md error shape, free of injected headers, and every abusive write must leave stock,
carts, orders and profiles as they were.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import RunningStack
from tests.e2e.shop import Shop
from tests.helpers import error_of

TIMEOUT = 30
MIB = 1024 * 1024
ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
# Every header this API may send; anything else in a response was injected.
RESPONSE_HEADERS = {
    "server",
    "date",
    "connection",
    "content-length",
    "content-type",
    "x-correlation-id",
    "allow",
    "vary",
    "access-control-allow-origin",
    "access-control-expose-headers",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
}
DEEP_ARRAY = b"[" * 10_000 + b"]" * 10_000
DEEP_OBJECT = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
BAD_BODIES: dict[str, bytes] = {
    "deep array": DEEP_ARRAY,
    "deep object": DEEP_OBJECT,
    "deep inside an object": b'{"name":' + DEEP_ARRAY + b"}",
    "array": b"[]",
    "string": b'"text"',
    "number": b"42",
    "null": b"null",
    "true": b"true",
    "invalid utf-8": b'{"name": "\xff\xfe"}',
    "truncated": b'{"name": ',
    "NaN field": b'{"quantity": NaN, "stock": Infinity}',
    "form encoded": b"name=x&quantity=1",
}
BAD_LIMITS = [
    "1000000000000",
    "-1",
    "0",
    "abc",
    "1e3",
    "101",
    "1.0",
    " 5",
    "",
    "0x10",
    "²",
    "\uff15",
    "\u0663",
    "9" * 400,
]  # superscript two, fullwidth 5, Arabic-Indic 3


@dataclass
class World:
    """Sellers, stores, products, buyers with orders, an inbox and a cart, made once for the module."""

    shop: Shop
    admin: dict[str, str]
    seller1: dict[str, str]
    seller2: dict[str, str]
    store1: str
    store2: str
    p1: str
    p2: str
    p3: str
    p4: str  # only for checkouts made by the idempotency test
    a: dict[str, str]
    a_id: str
    b: dict[str, str]
    b_id: str
    c: dict[str, str]  # a buyer with a cart and no orders: the target of abusive writes
    a_orders: list[str]
    b_orders: list[str]


@pytest.fixture(scope="module")
def world(stack: RunningStack) -> World:
    shop = Shop(stack)
    seller1, seller2 = shop.user("seller"), shop.user("seller")
    store1, store2 = shop.store(seller1), shop.store(seller2, "Genteng", "Ketabang")
    p1, p2, p4 = (shop.product(seller1, store1, stock=50, price=7_000, name=n) for n in ("Susu", "Teh", "Kopi"))
    p3 = shop.product(seller2, store2, stock=50, price=9_000, name="Sabun")
    a_id, b_id = f"abuse-a-{shop.tag}", f"abuse-b-{shop.tag}"
    a, b = stack.headers(a_id), stack.headers(b_id)
    c = stack.headers(f"abuse-c-{shop.tag}")
    for buyer, lines in ((a, [(p1, 1), (p3, 1)]), (a, [(p2, 1)]), (b, [(p1, 2)])):
        for product, quantity in lines:
            assert shop.put(buyer, product, quantity).status_code == 200
        assert shop.checkout(buyer).status_code == 201
    for name in ("Ani", "Anita", "Anjani"):  # three profile changes: three inbox entries for A
        assert shop.call("PUT", "/v1/me", a, {"name": name}).status_code == 200
    assert shop.call("PUT", "/v1/me", c, {"name": "Cici", "locale": "en"}).status_code == 200
    assert shop.put(c, p1, 2).status_code == 200
    assert shop.put(c, p3, 1).status_code == 200
    stack.drain()
    return World(
        shop=shop,
        admin=shop.admin,
        seller1=seller1,
        seller2=seller2,
        store1=store1,
        store2=store2,
        p1=p1,
        p2=p2,
        p3=p3,
        p4=p4,
        a=a,
        a_id=a_id,
        b=b,
        b_id=b_id,
        c=c,
        a_orders=_order_ids(shop, a),
        b_orders=_order_ids(shop, b),
    )


@pytest.fixture(autouse=True)
def _no_server_errors_logged(stack: RunningStack) -> Iterator[None]:
    """Whatever a test sent, the stack logged no unhandled exception for it."""
    seen = len(stack.output)
    yield
    crashes = [line for line in stack.output[seen:] if "Caught exception for path" in line]
    assert not crashes, crashes[:3]


def _order_ids(shop: Shop, buyer: dict[str, str]) -> list[str]:
    page = shop.call("GET", "/v1/orders?limit=100", buyer).json()
    return [o["order_id"] for o in page["items"]]


def snapshot(w: World) -> dict[str, Any]:
    """What no abusive request may change: stock, C's cart and profile, everyone's orders."""
    shop = w.shop
    cart = shop.call("GET", "/v1/cart", w.c).json()
    return {
        "stock": [shop.stock(w.p1, w.seller1), shop.stock(w.p2, w.seller1), shop.stock(w.p3, w.seller2)],
        "cart": sorted((line["product_id"], line["quantity"]) for line in cart["items"]),
        "me": shop.call("GET", "/v1/me", w.c).json(),
        "orders": {
            name: sorted(
                (o["order_id"], o["status"]) for o in shop.call("GET", "/v1/orders?limit=100", h).json()["items"]
            )
            for name, h in (("a", w.a), ("b", w.b), ("c", w.c))
        },
        "store1": shop.call("GET", f"/v1/stores/{w.store1}", w.seller1).json(),
    }


def refused(response: requests.Response | RawResponse, *statuses: int) -> dict[str, Any]:
    """Assert a 4xx among `statuses` (any 4xx when none) in the API.md error shape; return the error."""
    status = response.status_code
    assert 400 <= status < 500 and (not statuses or status in statuses), (status, response.text[:300])
    return error_of(response.json())


# --- raw HTTP: what `requests` refuses to send ------------------------------------------


@dataclass
class RawResponse:
    status_code: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def raw(stack: RunningStack, head: bytes, body: bytes = b"") -> RawResponse:
    """Send bytes as they are (one request, then close) and parse the response."""
    url = urlsplit(stack.url)
    with socket.create_connection((url.hostname, url.port), timeout=TIMEOUT) as sock:
        sock.sendall(head + body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    header_block, _, payload = received.partition(b"\r\n\r\n")
    status_line, *lines = header_block.decode("latin-1").split("\r\n")
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines)]
    response = RawResponse(int(status_line.split(" ")[1]), headers, payload)
    method, _, rest = head.split(b"\r\n", 1)[0].decode("latin-1").partition(" ")  # b"NONSENSE" has no target
    target = rest.split(" ", 1)[0]
    stack.observe(method, target, response.status_code, response.header("Content-Type") or "", payload)
    return response


def request_head(method: str, target: str, *headers: str, close: bool = True) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", *(["Connection: close"] if close else []), *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def bearer(headers: dict[str, str]) -> str:
    return f"Authorization: {headers['Authorization']}"


def assert_clean_headers(response: RawResponse | requests.Response) -> None:
    """No header outside what this API sends, and nothing a client smuggled in a value."""
    items = response.headers if isinstance(response, RawResponse) else list(response.headers.items())
    names = {k.lower() for k, _ in items}
    assert names <= RESPONSE_HEADERS, names - RESPONSE_HEADERS
    assert not any("pwn=1" in v.lower() or "\r" in v or "\n" in v for _, v in items), items


# --- bodies -------------------------------------------------------------------------------


def test_oversized_and_unframed_bodies_are_refused_before_anything_changes(world: World, stack: RunningStack) -> None:
    before = snapshot(world)
    just_over = b'{"name": "' + b"x" * MIB + b'"}'
    for method, path, headers in (
        ("PUT", "/v1/me", world.c),
        ("POST", "/v1/checkout", {**world.c, "Idempotency-Key": uuid.uuid4().hex}),
        ("PUT", f"/v1/cart/items/{world.p1}", world.c),
        ("POST", "/v1/webhooks/stripe", {"Stripe-Signature": "t=1,v1=00"}),
    ):
        response = requests.request(method, f"{stack.url}{path}", data=just_over, headers=headers, timeout=TIMEOUT)
        assert refused(response, 413)["code"] == "payload_too_large", path
    # A length announced but never sent is refused at once, not waited for.
    started = time.monotonic()
    announced = raw(stack, request_head("PUT", "/v1/me", bearer(world.c), f"Content-Length: {10**12}"))
    assert refused(announced, 413)["code"] == "payload_too_large" and time.monotonic() - started < 5
    # Under the server's limit but over the app's: the body is named.
    big = json.dumps({"name": "x" * (300 * 1024)}).encode()
    too_big = requests.put(f"{stack.url}/v1/me", data=big, headers=world.c, timeout=TIMEOUT)
    assert refused(too_big, 422)["details"]["field"] == "body"
    # Chunked (no Content-Length): refused, and the chunks are not read as a next request.
    chunks = (part for part in (b'{"name": ', b'"Chunky"}'))
    chunked = requests.put(f"{stack.url}/v1/me", data=chunks, headers=world.c, timeout=TIMEOUT)
    assert refused(chunked, 411)["code"] == "length_required"
    # Both framings on a kept-alive connection (CL.TE): the request hidden after the chunks never runs.
    hidden = b'{"name": "Smug"}'
    smuggled = request_head("PUT", "/v1/me", bearer(world.c), f"Content-Length: {len(hidden)}") + hidden
    head = request_head(
        "PUT", "/v1/me", bearer(world.c), "Transfer-Encoding: chunked", "Content-Length: 5", close=False
    )
    desync = raw(stack, head, b"0\r\n\r\n" + smuggled)
    assert refused(desync, 411)["code"] == "length_required" and b"HTTP/1.1" not in desync.body
    for length in ("-5", "abc", "1e3", "+4", "0x4", "4, 4"):
        framed = raw(stack, request_head("PUT", "/v1/me", bearer(world.c), f"Content-Length: {length}"), b"{}")
        assert refused(framed, 400)["code"] == "bad_request", length
    assert snapshot(world) == before


def test_deep_and_non_object_json_is_a_400_or_422_on_every_write(world: World, stack: RunningStack) -> None:
    # Documented: a body is JSON whatever its Content-Type (so text/plain is read, form data refused).
    plain = requests.put(
        f"{stack.url}/v1/me", data=b'{"name": "Cici"}', headers={**world.c, "Content-Type": "text/plain"}, timeout=30
    )
    assert plain.status_code == 200 and plain.json()["name"] == "Cici"
    before = snapshot(world)
    order = world.a_orders[0]
    checkout_id = world.shop.call("GET", f"/v1/orders/{order}", world.a).json()["checkout_id"]
    routes: list[tuple[str, str, dict[str, str]]] = [
        ("PUT", "/v1/me", world.c),
        ("POST", "/v1/stores", world.seller1),
        ("PATCH", f"/v1/stores/{world.store1}", world.seller1),
        ("POST", f"/v1/stores/{world.store1}/products", world.seller1),
        ("PATCH", f"/v1/products/{world.p1}", world.seller1),
        ("PUT", f"/v1/cart/items/{world.p1}", world.c),
        ("POST", "/v1/checkout", world.c),
        ("POST", f"/v1/orders/{order}/cancel", world.a),
        ("POST", f"/v1/dev/checkouts/{checkout_id}/pay", world.a),
        ("POST", f"/v1/admin/stores/{world.store1}/suspend", world.admin),
        ("PUT", "/v1/admin/settings", world.admin),
        ("PUT", "/v1/admin/spending-policy", world.admin),
        ("POST", "/v1/admin/asn", world.admin),
        ("POST", "/v1/admin/reminders/run", world.admin),
        ("PUT", "/v1/admin/reference-prices/abuse-sku", world.admin),
        ("POST", "/v1/dev/token", {}),
    ]
    settings = world.shop.call("GET", "/v1/admin/settings", world.admin).json()
    policy = world.shop.call("GET", "/v1/admin/spending-policy", world.admin).json()
    content_types = ["application/json", "text/plain", "application/xml", "multipart/form-data; boundary=x"]
    cases = [
        (route, name, body, content_types[i % len(content_types)])
        for i, (route, (name, body)) in enumerate((r, b) for r in routes for b in BAD_BODIES.items())
    ]

    def send(case: tuple[tuple[str, str, dict[str, str]], str, bytes, str]) -> tuple[str, requests.Response]:
        (method, path, headers), name, body, content_type = case
        extra = {"Content-Type": content_type, "Idempotency-Key": uuid.uuid4().hex}
        response = requests.request(method, f"{stack.url}{path}", data=body, headers={**headers, **extra}, timeout=30)
        return f"{method} {path} with {name}", response

    with ThreadPoolExecutor(max_workers=8) as pool:
        for label, response in pool.map(send, cases):
            assert refused(response, 400, 422)["code"] == "validation_error", label
    assert world.shop.call("GET", "/v1/admin/settings", world.admin).json() == settings
    assert world.shop.call("GET", "/v1/admin/spending-policy", world.admin).json() == policy
    assert "abuse-sku" not in {r["sku"] for r in world.shop.call("GET", "/v1/reference-prices").json()["items"]}
    # A token whose header is JSON 10,000 levels deep is an invalid token, not a crash.
    deep_token = base64.urlsafe_b64encode(DEEP_ARRAY).decode().rstrip("=") + ".e30.x"
    for path in ("/v1/me", "/v1/products"):
        crafted = requests.get(f"{stack.url}{path}", headers={"Authorization": f"Bearer {deep_token}"}, timeout=30)
        assert refused(crafted, 401)["code"] == "unauthorized"
    assert snapshot(world) == before


# --- lists --------------------------------------------------------------------------------


def _lists(w: World) -> list[tuple[str, dict[str, str]]]:
    return [
        ("/v1/products", {}),
        ("/v1/stores", {}),
        ("/v1/orders", w.a),
        ("/v1/me/notifications", w.a),
        (f"/v1/stores/{w.store1}/orders", w.seller1),
        ("/v1/admin/stores", w.admin),
        ("/v1/admin/asn", w.admin),
        ("/v1/admin/compliance/laggards", w.admin),
    ]


def test_limit_outside_1_to_100_is_422_on_every_list(world: World, stack: RunningStack) -> None:
    cases = [(path, headers, limit) for path, headers in _lists(world) for limit in BAD_LIMITS]

    def send(case: tuple[str, dict[str, str], str]) -> tuple[str, requests.Response]:
        path, headers, limit = case
        return f"{path}?limit={limit[:20]!r}", requests.get(
            f"{stack.url}{path}", params={"limit": limit}, headers=headers, timeout=30
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        for label, response in pool.map(send, cases):
            assert refused(response, 422)["details"]["field"] == "limit", label
    for path, headers in _lists(world):
        for limit in (1, 100):
            page = requests.get(f"{stack.url}{path}", params={"limit": limit}, headers=headers, timeout=30)
            assert page.status_code == 200, (path, page.text)
            assert len(page.json()["items"]) <= limit


def _cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decoded(cursor: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return data


def _page(stack: RunningStack, path: str, headers: dict[str, str], **params: Any) -> requests.Response:
    return requests.get(f"{stack.url}{path}", params=params, headers=headers, timeout=30)


def test_a_cursor_from_another_users_list_never_reads_their_items(world: World, stack: RunningStack) -> None:
    before = snapshot(world)
    # Buyer A's orders: B pasting A's cursor (or one edited to point at A's orders) sees only B's.
    first = _page(stack, "/v1/orders", world.a, limit=1).json()
    a_cursor = first["next_cursor"]
    assert a_cursor and len(world.a_orders) == 3
    edited = {**_decoded(a_cursor), "order_id": world.a_orders[-1]}
    for cursor in (a_cursor, _cursor(edited)):
        theirs = _page(stack, "/v1/orders", world.b, cursor=cursor, limit=100)
        if theirs.status_code == 200:
            assert {o["buyer_id"] for o in theirs.json()["items"]} <= {world.b_id}
            assert {o["order_id"] for o in theirs.json()["items"]} <= set(world.b_orders)
        else:
            assert refused(theirs, 422)["details"]["field"] == "cursor"
    # A cursor naming whose list it is (the partition key) is not ours: refused.
    for forged in ({**_decoded(a_cursor), "buyer_id": world.a_id}, {"buyer_id": world.a_id, "created_at": "9"}):
        assert refused(_page(stack, "/v1/orders", world.b, cursor=_cursor(forged)), 422)["details"]["field"] == "cursor"
    # A's inbox.
    inbox = _page(stack, "/v1/me/notifications", world.a, limit=1).json()
    assert inbox["next_cursor"]
    a_inbox = {n["id"] for n in _page(stack, "/v1/me/notifications", world.a, limit=100).json()["items"]}
    b_view = _page(stack, "/v1/me/notifications", world.b, cursor=inbox["next_cursor"], limit=100)
    assert b_view.status_code == 200 and not {n["id"] for n in b_view.json()["items"]} & a_inbox
    # Seller 1's store orders, pasted by seller 2 on their own store and on store 1.
    store_page = _page(stack, f"/v1/stores/{world.store1}/orders", world.seller1, limit=1).json()
    assert store_page["next_cursor"]
    own = _page(stack, f"/v1/stores/{world.store2}/orders", world.seller2, cursor=store_page["next_cursor"], limit=100)
    assert own.status_code == 200 and {o["store_id"] for o in own.json()["items"]} <= {world.store2}
    other = _page(stack, f"/v1/stores/{world.store1}/orders", world.seller2, cursor=store_page["next_cursor"])
    refused(other, 403, 404)
    # An admin's cursor: useless to a buyer, and no key to another list.
    admin_page = _page(stack, "/v1/admin/stores", world.admin, status="active", limit=1).json()
    assert admin_page["next_cursor"]
    refused(_page(stack, "/v1/admin/stores", world.a, cursor=admin_page["next_cursor"]), 403)
    for path, headers in (("/v1/stores", {}), ("/v1/orders", world.a), ("/v1/me/notifications", world.a)):
        crossed = _page(stack, path, headers, cursor=admin_page["next_cursor"])
        assert refused(crossed, 422)["details"]["field"] == "cursor", path
    assert snapshot(world) == before


def test_garbage_and_edited_cursors_are_422_on_every_list(world: World, stack: RunningStack) -> None:
    garbage = [
        "!!!",
        "%00",
        "=",
        "x" * 513,
        "eyJ" * 5000,
        _cursor(None),
        _cursor([1, 2]),
        _cursor("text"),
        _cursor({}),
        _cursor({"id": 5, "order_id": None}),
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
        base64.urlsafe_b64encode(DEEP_ARRAY[:150] + DEEP_ARRAY[-150:]).decode(),
        _cursor({"d": "00000000", "s": "²", "k": "-"}),  # int("²") once was a 500
        _cursor({"d": "00000000", "s": "0", "k": "00000000"}),
        _cursor({"id": "\U0001f600" * 201}),
    ]
    cases = [(path, headers, cursor) for path, headers in _lists(world) for cursor in garbage]

    def send(case: tuple[str, dict[str, str], str]) -> tuple[str, requests.Response]:
        path, headers, cursor = case
        return f"{path} cursor={cursor[:30]}", _page(stack, path, headers, cursor=cursor)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for label, response in pool.map(send, cases):
            assert refused(response, 422)["details"]["field"] == "cursor", label


# --- headers ------------------------------------------------------------------------------


def test_crlf_in_headers_and_params_is_neither_echoed_nor_obeyed(world: World, stack: RunningStack) -> None:
    before = snapshot(world)
    folded = "\r\n Set-Cookie: pwn=1"
    # A folded (multi-line) correlation id is not echoed: the response carries a fresh one.
    traced = raw(stack, request_head("GET", "/v1/health", f"X-Correlation-Id: abc{folded}"))
    assert traced.status_code == 200 and ULID.fullmatch(traced.header("X-Correlation-Id") or "")
    assert_clean_headers(traced)
    split = raw(stack, request_head("GET", "/v1/health", "X-Correlation-Id: abc\nSet-Cookie: pwn=1"))
    assert split.header("X-Correlation-Id") == "abc" and split.header("Set-Cookie") is None
    for unsafe in ("<script>alert(1)</script>", "a b", "x" * 65, "ünïcode", "a;b=c", "../../etc"):
        echoed = requests.get(f"{stack.url}/v1/health", headers={"X-Correlation-Id": unsafe}, timeout=30)
        assert ULID.fullmatch(echoed.headers["X-Correlation-Id"]), unsafe
    safe = "trace-" + "x" * 58
    kept = requests.get(f"{stack.url}/v1/health", headers={"X-Correlation-Id": safe}, timeout=30)
    assert kept.headers["X-Correlation-Id"] == safe
    # Origin: only the configured origin is allowed, exactly; a folded one is not.
    allowed = raw(stack, request_head("GET", "/v1/health", "Origin: https://peken.example"))
    assert allowed.header("Access-Control-Allow-Origin") == "https://peken.example"
    for origin in (f"https://peken.example{folded}", "https://peken.example.evil.test", "null", "*"):
        denied = raw(stack, request_head("GET", "/v1/health", f"Origin: {origin}"))
        assert denied.status_code == 200 and denied.header("Access-Control-Allow-Origin") is None, origin
        assert_clean_headers(denied)
    # Idempotency-Key: folded, control characters or too long is refused and nothing is bought.
    body = b'{"fulfillment": {"method": "pickup"}}'
    for key in (f"k1{folded}", "k\x7fk", "k" * 65):
        head = request_head(
            "POST", "/v1/checkout", bearer(world.c), f"Idempotency-Key: {key}", f"Content-Length: {len(body)}"
        )
        keyed = raw(stack, head, body)
        assert refused(keyed, 422)["details"]["field"] == "Idempotency-Key"
        assert_clean_headers(keyed)
    # CR/LF percent-encoded in a path parameter or a query parameter.
    for target, statuses in (
        ("/v1/products/abc%0D%0ASet-Cookie:%20pwn=1", (404,)),
        (f"/v1/stores/{world.store1}%0D%0ASet-Cookie:%20pwn=1/orders", (403, 404)),
        ("/v1/products?cursor=%0D%0ASet-Cookie:%20pwn=1", (422,)),
        ("/v1/products?q=a%0D%0ASet-Cookie:%20pwn=1&category=%0D%0A", (422,)),
    ):
        injected = raw(stack, request_head("GET", target, bearer(world.seller1)))
        refused(injected, *statuses)
        assert_clean_headers(injected)
    assert snapshot(world) == before


def test_oversized_and_malformed_requests_get_the_error_shape_not_html(world: World, stack: RunningStack) -> None:
    cases = [
        (request_head("GET", "/v1/me", "X-Correlation-Id: " + "a" * 70_000), 431),
        (request_head("GET", "/v1/me", *(f"X-Filler-{i}: v" for i in range(150))), 431),
        (request_head("GET", "/v1/products/" + "a" * 70_000), 414),
        (request_head("FOO", "/v1/me"), 405),
        (request_head("TRACE", "/v1/me"), 405),
        (b"GET /v1/me HTTP/9.9\r\nHost: x\r\n\r\n", 400),
        (b"NONSENSE\r\n\r\n", 400),
        (request_head("GET", "/v1/me", "Authorization: Bearer " + "a" * 8_000), 401),
        (request_head("GET", "/v1/me", "Authorization: Basic dXNlcjpwYXNz"), 401),
    ]
    for head, status in cases:
        response = raw(stack, head)
        assert response.status_code == status, (head[:60], response.text[:200])
        refused(response)
        assert_clean_headers(response)
    assert requests.get(f"{stack.url}/v1/health", timeout=30).status_code == 200


# --- path parameters ----------------------------------------------------------------------


HOSTILE_IDS = [
    "x" * 65,
    "x" * 3000,
    "..",
    "..%2F..%2Fv1%2Fme",
    "%2E%2E%2F%2E%2E",
    "%F0%9F%98%80",
    "%FF%FE",
    "%00",
    "%23name",
    ":v",
    "attribute_not_exists(product_id)",
    "null",
    "%7B%22S%22%3A%22x%22%7D",
    "a%20OR%201=1",
    "%0D%0A",
    "%2A",
]


def test_hostile_path_parameters_are_404_and_change_nothing(world: World, stack: RunningStack) -> None:
    before = snapshot(world)
    store_body = json.dumps({"name": "x", "category": "sembako", "unit": "pcs", "price_idr": 1, "stock": 1})
    routes = [
        ("GET", "/v1/products/{}", {}, None, (404,)),
        ("PATCH", "/v1/products/{}", world.seller1, '{"stock": 0}', (404,)),
        ("DELETE", "/v1/products/{}", world.seller1, None, (404,)),
        ("PUT", "/v1/cart/items/{}", world.c, '{"quantity": 1}', (404,)),
        ("GET", "/v1/orders/{}", world.a, None, (404,)),
        ("POST", "/v1/orders/{}/cancel", world.a, '{"reason": "x"}', (404,)),
        ("GET", "/v1/checkouts/{}", world.a, None, (404,)),
        ("POST", "/v1/dev/checkouts/{}/pay", world.a, '{"outcome": "succeeded"}', (404,)),
        ("GET", "/v1/stores/{}", {}, None, (404,)),
        ("PATCH", "/v1/stores/{}", world.seller1, '{"open": false}', (404,)),
        ("POST", "/v1/stores/{}/products", world.seller1, store_body, (404,)),
        ("GET", "/v1/stores/{}/orders", world.seller1, None, (403, 404)),
        ("POST", "/v1/admin/stores/{}/approve", world.admin, None, (404,)),
    ]
    cases = [(route, value) for route in routes for value in HOSTILE_IDS]

    def send(case: tuple[tuple[str, str, dict[str, str], str | None, tuple[int, ...]], str]) -> None:
        (method, template, headers, body, statuses), value = case
        url = urlsplit(stack.url)
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
        try:  # http.client sends the target verbatim: no dot-segment or percent normalisation
            connection.request(method, template.format(value), body=body, headers=headers)
            response = connection.getresponse()
            status, payload, names = response.status, response.read(), {k.lower() for k in response.headers}
        finally:
            connection.close()
        stack.observe(method, template.format(value), status, response.getheader("Content-Type") or "", payload)
        assert status in statuses, (method, template.format(value)[:80], status, payload[:200])
        error_of(json.loads(payload))
        assert names <= RESPONSE_HEADERS

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, cases))
    # Dot segments are not resolved into another route.
    for target in ("/v1/products/../../v1/me", "/v1/orders/../me", "/v1/cart/items/../../me"):
        escaped = raw(stack, request_head("GET", target, bearer(world.a)))
        assert escaped.status_code == 404 and "user_id" not in escaped.text, target
    assert snapshot(world) == before


# --- webhooks -----------------------------------------------------------------------------


def _signed(stack: RunningStack, payload: bytes, at: int) -> str:
    secret = (stack.state_dir / "stripe-webhook-secret").read_text()
    return f"t={at},v1=" + hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()


def _event(event_id: str, payment_intent_id: str) -> bytes:
    obj = {"id": payment_intent_id, "object": "payment_intent"}
    return json.dumps(
        {"id": event_id, "object": "event", "type": "payment_intent.succeeded", "data": {"object": obj}}
    ).encode()


def _deliver(stack: RunningStack, payload: bytes, signature: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json", **({"Stripe-Signature": signature} if signature else {})}
    return requests.post(f"{stack.url}/v1/webhooks/stripe", data=payload, headers=headers, timeout=30)


def test_stale_and_malformed_webhooks_are_refused_and_not_recorded(world: World, stack: RunningStack) -> None:
    shop = world.shop
    buyer = stack.headers(f"abuse-d-{shop.tag}")
    assert shop.put(buyer, world.p2, 1).status_code == 200
    made = shop.checkout(buyer).json()
    assert shop.pay(buyer, made["checkout_id"]).status_code == 200
    order = shop.wait_status(buyer, made["orders"][0]["order_id"], "paid")
    stack.drain()
    turnover = shop.call("GET", f"/v1/stores/{world.store1}", world.seller1).json()["turnover_month_idr"]
    stock = shop.stock(world.p2, world.seller1)

    event_id = f"evt_abuse_{uuid.uuid4().hex[:12]}"
    payload = _event(event_id, made["payment"]["payment_intent_id"])
    now = int(time.time())
    # Captured once and replayed after Stripe's tolerance (300 s): refused, and the id is not spent.
    for age in (301, 3600, 10**6):
        stale = _deliver(stack, payload, _signed(stack, payload, now - age))
        assert refused(stale, 400)["code"] == "bad_signature", age
    other = _event(event_id, "pi_someone_else")
    for signature in (None, "", "t=,v1=", f"t={now}", _signed(stack, other, now), _signed(stack, payload, now)[:-1]):
        assert refused(_deliver(stack, payload, signature), 400)["code"] == "bad_signature", signature
    fresh = _deliver(stack, payload, _signed(stack, payload, now))
    assert fresh.status_code == 200 and fresh.json() == {"received": True, "duplicate": False}
    again = _deliver(stack, payload, _signed(stack, payload, int(time.time())))
    assert again.status_code == 200 and again.json() == {"received": True, "duplicate": True}
    # Signed with the right secret yet no Stripe event: 4xx in our shape, never a 500 (Stripe would retry).
    for body in (
        DEEP_ARRAY,
        b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
        b"[]",
        b'"evt"',
        b'{"type": "payment_intent.succeeded"}',
        json.dumps({"id": "e" * 5_000, "type": "x", "data": {"object": {"id": "pi"}}}).encode(),
        json.dumps({"id": {"nested": 1}, "type": "x", "data": {"object": {"id": "pi"}}}).encode(),
        json.dumps({"id": f"evt_{uuid.uuid4().hex}", "type": "x", "data": {"object": "pi_x"}}).encode(),
        json.dumps({"id": f"evt_{uuid.uuid4().hex}", "type": "x", "data": None}).encode(),
    ):
        malformed = _deliver(stack, body, _signed(stack, body, int(time.time())))
        assert refused(malformed, 400, 422)["code"] in ("validation_error", "bad_signature"), body[:60]
    stack.drain()
    after = shop.order(buyer, order["order_id"])
    assert after["status"] == "paid" and [h["status"] for h in after["history"]].count("paid") == 1
    assert shop.call("GET", f"/v1/stores/{world.store1}", world.seller1).json()["turnover_month_idr"] == turnover
    assert shop.stock(world.p2, world.seller1) == stock


# --- idempotency --------------------------------------------------------------------------


def test_idempotency_keys_belong_to_one_user_and_one_request(world: World, stack: RunningStack) -> None:
    shop = world.shop
    first, second, racer = (stack.headers(f"abuse-{n}-{shop.tag}") for n in ("i1", "i2", "i3"))
    start = shop.stock(world.p4, world.seller1)
    for buyer in (first, second, racer):
        assert shop.put(buyer, world.p4, 1).status_code == 200
    key = f"shared-{uuid.uuid4().hex[:8]}"
    mine = shop.checkout(first, key=key)
    theirs = shop.checkout(second, key=key)  # same key, same body, another user
    assert mine.status_code == theirs.status_code == 201
    a, b = mine.json(), theirs.json()
    assert a["checkout_id"] != b["checkout_id"]
    assert a["payment"]["client_secret"] not in theirs.text and a["payment"]["payment_intent_id"] not in theirs.text
    assert {o["order_id"] for o in a["orders"]}.isdisjoint(o["order_id"] for o in b["orders"])
    refused(shop.call("GET", f"/v1/checkouts/{a['checkout_id']}", second), 404)
    # Replay: the first response again, and only to its user.
    replay = shop.checkout(first, key=key)
    assert replay.status_code == 201 and replay.json() == a
    assert shop.checkout(second, key=key).json() == b
    # The same key for another body or another route is refused, and does nothing there.
    assert refused(shop.checkout(first, key=key, method="delivery"), 422)["code"] == "idempotency_key_reused"
    order_id = a["orders"][0]["order_id"]
    cancel = shop.call("POST", f"/v1/orders/{order_id}/cancel", first, {"reason": "x"}, Idempotency_Key=key)
    assert refused(cancel, 422)["code"] == "idempotency_key_reused"
    stranger = shop.call("POST", f"/v1/orders/{order_id}/cancel", second, {"reason": "x"}, Idempotency_Key=key)
    assert refused(stranger, 422, 404)["code"] in ("idempotency_key_reused", "not_found")
    assert shop.order(first, order_id)["status"] == "awaiting_payment"
    # Eight concurrent checkouts under one key: one checkout, the rest replay it or wait (409).
    race_key = uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: shop.checkout(racer, key=race_key), range(8)))
    made = [r.json() for r in results if r.status_code == 201]
    assert made and all(m == made[0] for m in made), [r.status_code for r in results]
    assert all(refused(r, 409)["code"] == "conflict" for r in results if r.status_code != 201)
    assert [o["checkout_id"] for o in shop.call("GET", "/v1/orders", racer).json()["items"]] == [made[0]["checkout_id"]]
    assert shop.stock(world.p4, world.seller1) == start - 3
