"""Fault injection on a stack of its own: DynamoDB throttling and transaction conflicts, Stripe slow
or down during checkout and refunds, workers dying mid-batch, SQS redelivery, queue messages that
cannot be sent, the stack killed and restarted.

Every test ends with `check_invariants`: stock conserved, no order paid without a succeeded
PaymentIntent and no succeeded PaymentIntent without its orders paid or refunded, one Stripe
refund per refunded order, turnover and notifications counted once, the store's ledger equal
to its balance and the money report's difference 0, no payout paid twice (one entry, one
Stripe transfer), and nothing stuck except what a dead-letter queue shows (and
reconciliation or a redrive then repairs).
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningStack, start_stack
from tests.e2e.shop import Shop
from tests.e2e.test_disputes import complaint, open_dispute, ready, refunded
from tests.e2e.test_payouts import connect, paid_more_than_once
from tests.helpers import error_of

# Schedules only on demand (a heartbeat must not eat an injected fault); a Stripe call gives up
# after 2 s (10 s deployed) so a slow Stripe costs seconds, not minutes.
# No interval saves of the state (infra/local/persistence.py): a SIGKILL then leaves no snapshot behind.
FAULTY_ENV = {"PEKEN_SCHEDULER": "off", "PEKEN_STRIPE_TIMEOUT_SECONDS": "2", "PEKEN_STATE_SAVE_SECONDS": "86400"}
HOLDS_STOCK = ("awaiting_payment", "paid", "accepted", "ready", "completed")
PAID = ("paid", "accepted", "ready", "completed")
PAYMENTS, ORDER_EVENTS = "peken-local-payments", "peken-local-order-events"
PAYMENTS_DLQ = "peken-local-payments-dlq"
STRIPE_KEY = "sk_test_peken_faults"  # localstripe takes any sk_ key


def _start(state_dir: Path) -> RunningStack:
    return start_stack(state_dir, None, **FAULTY_ENV)


class Stacks:
    """The module's stack; the restart test replaces it with its successor."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.current = _start(state_dir)
        self.injected: dict[str, Counter[str]] = {}  # per stack url: what its fault hooks injected

    def tally(self) -> Counter[str]:
        """Count every fault injected in this module, by kind."""
        total = Counter(BY_HAND)
        for counts in self.injected.values():
            total.update(counts)
        return total


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stacks]:
    held = Stacks(tmp_path_factory.mktemp("faults"))
    yield held
    if held.current.process.poll() is None:
        held.current.stop()
    tally = held.tally()
    report = {"faults_injected": sum(tally.values()), "by_kind": dict(sorted(tally.items()))}
    print(f"\nfaults: {json.dumps(report)}")
    if os.environ.get("PEKEN_FAULTS_REPORT"):
        Path(os.environ["PEKEN_FAULTS_REPORT"]).write_text(json.dumps(report))


@pytest.fixture()
def shop(stacks: Stacks) -> Iterator[Shop]:
    shop = Shop(stacks.current)
    try:
        yield shop
    finally:  # leave the stack healthy for the next test whatever happened (the restart test replaces it)
        shop = shop if shop.stack is stacks.current else Shop(stacks.current)
        if stacks.current.process.poll() is None:
            state = local(shop, "GET", "/_local/faults")
            stacks.injected[shop.url] = Counter(state["injected"])
            stacks.injected[shop.url]["stripe:delayed"] = int(state.get("stripe_delayed", 0))
            local(shop, "DELETE", "/_local/faults")
            if not local(shop, "GET", "/_local/stripe")["running"]:
                local(shop, "POST", "/_local/stripe/start")
            for queue in (PAYMENTS, ORDER_EVENTS):
                local(shop, "POST", f"/_local/pump/{queue}/resume")
            shop.clock(0)


BY_HAND: Counter[str] = Counter()  # faults the tests cause themselves: Stripe stopped, the stack killed


def local(shop: Shop, method: str, path: str, body: Any = None) -> dict[str, Any]:
    if path == "/_local/stripe/stop":
        BY_HAND["stripe:down"] += 1
    response = requests.request(method, f"{shop.url}{path}", json=body, timeout=120)
    assert response.status_code == 200, response.text
    return dict(response.json())


def inject(shop: Shop, spec: dict[str, Any]) -> None:
    local(shop, "POST", "/_local/faults", spec)


def injected(shop: Shop) -> Counter[str]:
    return Counter(local(shop, "GET", "/_local/faults")["injected"])


def depths(shop: Shop) -> dict[str, dict[str, int]]:
    return dict(local(shop, "GET", "/_local/queues")["queues"])


def reconcile(shop: Shop) -> dict[str, Any]:
    """Run reconciliation as it would run a quarter of an hour later (refunds due for 10 minutes are retried)."""
    try:
        shop.clock(11 * 60)
        return dict(shop.run_schedule("reconcile_payments"))
    finally:
        shop.clock(0)


def stripe(shop: Shop, path: str) -> Any:
    base = local(shop, "GET", "/_local/stripe")["url"]
    response = requests.get(f"{base}{path}", headers={"Authorization": f"Bearer {STRIPE_KEY}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


@dataclass
class World:
    """One seller's store and products, some buyers, and what they bought."""

    shop: Shop
    seller: dict[str, str]
    store: str
    products: dict[str, int]  # product id -> initial stock
    buyers: dict[str, dict[str, str]]  # user id -> headers
    started: float = field(default_factory=time.time)  # Stripe's `created` is whole seconds

    @classmethod
    def make(cls, shop: Shop, buyers: int, stock: int = 20, products: int = 2) -> World:
        seller = shop.user("seller")
        store = shop.store(seller)
        made = {shop.product(seller, store, stock=stock, price=(i + 1) * 5_000): stock for i in range(products)}
        ids = [f"buyer-{uuid.uuid4().hex[:8]}-{shop.tag}" for _ in range(buyers)]
        people = {user_id: shop.stack.headers(user_id, ["buyer"]) for user_id in ids}
        return cls(shop, seller, store, made, people)

    @property
    def buyer_list(self) -> list[dict[str, str]]:
        return list(self.buyers.values())

    @property
    def product_list(self) -> list[str]:
        return list(self.products)

    def fill(self, buyer: dict[str, str], quantities: dict[str, int]) -> None:
        self.shop.call("DELETE", "/v1/cart", buyer)
        for product, quantity in quantities.items():
            assert self.shop.put(buyer, product, quantity).status_code == 200

    def cart(self, buyer: dict[str, str]) -> dict[str, int]:
        items = self.shop.call("GET", "/v1/cart", buyer).json()["items"]
        return {i["product_id"]: i["quantity"] for i in items}

    def stock(self) -> dict[str, int]:
        return {p: self.shop.stock(p, self.seller) for p in self.products}

    def paid_checkout(self, buyer: dict[str, str], quantities: dict[str, int]) -> dict[str, Any]:
        """Buy and pay; return the checkout once its order is paid."""
        self.fill(buyer, quantities)
        made = self.shop.checkout(buyer)
        assert made.status_code == 201, made.text
        body = dict(made.json())
        assert self.shop.pay(buyer, body["checkout_id"]).json()["payment_intent_status"] == "succeeded"
        self.shop.wait_status(buyer, body["orders"][0]["order_id"], "paid")
        return body

    def orders(self) -> list[dict[str, Any]]:
        return [order for buyer in self.buyers.values() for order in self.shop.every("/v1/orders", buyer)]


def check_invariants(world: World, stuck: dict[str, int] | None = None) -> None:
    """Check what no fault may break; `stuck` names the dead-letter queues allowed to hold messages."""
    shop, stuck = world.shop, stuck or {}
    shop.stack.drain(60)
    orders = world.orders()
    # Stock: what is left plus what orders hold is what the seller put up, for every product.
    held: Counter[str] = Counter()
    for order in orders:
        if order["status"] in HOLDS_STOCK:
            for line in order["lines"]:
                held[line["product_id"]] += line["quantity"]
    assert {p: s + held[p] for p, s in world.stock().items()} == world.products
    # Payments: each checkout against its PaymentIntent and refunds at Stripe.
    by_checkout: dict[str, list[dict[str, Any]]] = {}
    for order in orders:
        by_checkout.setdefault(order["checkout_id"], []).append(order)
    payment_stuck = stuck.get(PAYMENTS_DLQ, 0) > 0
    intents = set()
    for checkout_id, group in by_checkout.items():
        detail = shop.call("GET", f"/v1/checkouts/{checkout_id}", world.buyers[group[0]["buyer_id"]]).json()
        intent = stripe(shop, f"/v1/payment_intents/{detail['payment']['payment_intent_id']}")
        intents.add(intent["id"])
        assert intent["amount"] == 100 * sum(o["total_idr"] for o in group) == 100 * detail["total_idr"]
        succeeded = intent["status"] == "succeeded"
        charged = intent.get("latest_charge") is not None  # localstripe cannot list refunds of no charge
        refunds = stripe(shop, f"/v1/refunds?payment_intent={intent['id']}&limit=100")["data"] if charged else []
        at_stripe = {r["metadata"]["order_id"]: r for r in refunds}
        assert len(at_stripe) == len(refunds), "an order was refunded twice"
        for order in group:
            if order["status"] in PAID:
                assert succeeded, f"order {order['order_id']} is {order['status']} without a payment"
            elif succeeded and not order["refund"]:
                assert payment_stuck and order["status"] == "awaiting_payment", f"paid, but {order}"
            refund = order["refund"]
            if refund is None:
                assert order["order_id"] not in at_stripe
            elif refund["status"] == "succeeded":
                made = at_stripe[order["order_id"]]
                assert made["status"] == "succeeded" and made["amount"] == 100 * refund["amount_idr"]
            else:
                assert payment_stuck, f"refund {refund} neither done nor in the payments DLQ"
        if succeeded:  # what Stripe kept is what the orders kept, plus what is visibly still owed back
            returned = sum(r["amount"] for r in refunds if r["status"] == "succeeded")
            kept = sum(o["total_idr"] for o in group if o["status"] in PAID)
            owed = sum(
                o["total_idr"]
                for o in group
                if o["status"] == "awaiting_payment" or (o["refund"] or {}).get("status") not in (None, "succeeded")
            )
            assert intent["amount"] - returned == 100 * (kept + owed)
    # No money taken without its checkout (an intent whose answer was lost stays unconfirmed).
    for intent in stripe(shop, "/v1/payment_intents?limit=10000")["data"]:
        if intent["created"] >= world.started and intent["status"] == "succeeded":
            assert intent["id"] in intents, f"payment without an order: {intent}"
    # Effects once: turnover is what paid orders are worth less their refunds; one notice per paid order.
    ever_paid = [o for o in orders if "paid" in [h["status"] for h in o["history"]]]
    refunded = sum(o["refund"]["amount_idr"] for o in ever_paid if (o["refund"] or {}).get("status") == "succeeded")
    store = shop.call("GET", f"/v1/stores/{world.store}", world.seller).json()
    assert store["turnover_month_idr"] == sum(o["total_idr"] for o in ever_paid) - refunded
    # Settlement: the store is owed the same (no platform fee here), its entries add up to it, nothing is lost.
    figures = shop.call("GET", f"/v1/stores/{world.store}/balance", world.seller).json()
    owed = figures["pending_idr"] + figures["available_idr"] + figures["in_payout_idr"]
    month = shop.call("GET", f"/v1/stores/{world.store}/statement", world.seller).json()
    summed = month["opening_balance_idr"] + sum(e["amount_idr"] for e in month["entries"])
    assert summed == month["closing_balance_idr"] == owed
    assert owed + figures["paid_out_idr"] == store["turnover_month_idr"]
    assert shop.call("GET", "/v1/admin/reports/money", shop.admin).json()["difference_idr"] == 0
    # No payout paid twice: one ledger entry per paid payout, one Stripe transfer per paid Connect payout.
    assert paid_more_than_once(shop, world.store, world.seller) == []
    inbox = shop.call("GET", "/v1/me/notifications?limit=100", world.seller).json()["items"]
    assert [n["kind"] for n in inbox].count("order_paid") == len(ever_paid)
    # Nothing stuck but what the dead-letter queues show.
    queues = depths(shop)
    for name, depth in queues.items():
        if name.endswith("-dlq"):
            assert depth["visible"] == stuck.get(name, 0), (name, depth)
        else:
            assert depth["visible"] == depth["in_flight"] == 0, (name, depth)


def test_checkout_under_dynamodb_throttling_and_transaction_conflicts(shop: Shop) -> None:
    world = World.make(shop, buyers=6, stock=40)
    rice, oil = world.product_list
    for buyer in world.buyer_list:
        world.fill(buyer, {rice: 2, oil: 1})
    keys = {id(b): uuid.uuid4().hex for b in world.buyer_list}
    # A third of every DynamoDB request throttled: botocore's retries absorb most; what fails, fails as 503.
    inject(shop, {"dynamodb": {"error": "throttle", "rate": 0.3}})
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(lambda b: shop.checkout(b, key=keys[id(b)]), world.buyer_list))
    finally:
        local(shop, "DELETE", "/_local/faults")
    assert sum(n for kind, n in injected(shop).items() if kind.startswith("dynamodb:throttle")) > 0
    for buyer, result in zip(world.buyer_list, results, strict=True):
        assert result.status_code in (201, 503), result.text
        if result.status_code == 503:  # not kept: the same key succeeds now
            assert error_of(result.json())["code"] == "service_unavailable"
            assert shop.checkout(buyer, key=keys[id(buyer)]).status_code == 201
    assert world.stock() == {rice: 40 - 12, oil: 40 - 6}

    buyer = world.buyer_list[0]
    world.fill(buyer, {rice: 3})
    before = injected(shop)
    # Every transaction throttled, retries exhausted: 503, nothing reserved, the cart kept.
    inject(shop, {"dynamodb": {"error": "throttle", "operations": ["TransactWriteItems"]}})
    refused = shop.checkout(buyer, key="throttled")
    local(shop, "DELETE", "/_local/faults")
    assert refused.status_code == 503 and error_of(refused.json())["code"] == "service_unavailable", refused.text
    assert injected(shop)["dynamodb:throttle:TransactWriteItems"] - before["dynamodb:throttle:TransactWriteItems"] >= 4
    # A transaction conflict (not retried by botocore): the same.
    inject(shop, {"dynamodb": {"error": "conflict", "operations": ["TransactWriteItems"], "times": 1}})
    conflicted = shop.checkout(buyer, key="conflicted")
    assert conflicted.status_code == 503 and error_of(conflicted.json())["code"] == "service_unavailable"
    # Throttled outside a transaction (a read; the idempotency record): 503 in the API's error shape.
    inject(shop, {"dynamodb": {"operations": ["GetItem"], "tables": ["carts"]}})
    reading = shop.call("GET", "/v1/cart", buyer)
    inject(shop, {"dynamodb": {"operations": ["PutItem"], "tables": ["idempotency"]}})
    recording = shop.checkout(buyer, key="unrecorded")
    local(shop, "DELETE", "/_local/faults")
    for busy in (reading, recording):
        assert busy.status_code == 503 and error_of(busy.json())["code"] == "service_unavailable", busy.text
    assert world.stock() == {rice: 28, oil: 34} and world.cart(buyer) == {rice: 3}
    assert shop.checkout(buyer, key="throttled").status_code == 201  # the 503 was not kept
    assert world.stock() == {rice: 25, oil: 34}
    for b in world.buyer_list[:3]:
        newest = shop.call("GET", "/v1/orders?limit=1", b).json()["items"][0]
        shop.pay(b, newest["checkout_id"])
        shop.wait_status(b, newest["order_id"], "paid")
    check_invariants(world)


def test_checkout_while_stripe_is_slow(shop: Shop) -> None:
    world = World.make(shop, buyers=2)
    (first, second), product = world.buyer_list, world.product_list[0]
    world.fill(first, {product: 2})
    world.fill(second, {product: 1})
    # Stripe answers after our 2 s timeout (the intent is made there, its answer is lost).
    inject(shop, {"stripe": {"delay_seconds": 3, "paths": ["/v1/payment_intents"]}})
    began = time.monotonic()
    slow = shop.checkout(first, key="slow-stripe")
    took = time.monotonic() - began
    assert slow.status_code == 503 and error_of(slow.json())["code"] == "payment_unavailable", slow.text
    assert took < 9, f"a slow Stripe held the request {took:.1f} s"  # two attempts of 2 s, not the Lambda's 30 s
    assert world.stock()[product] == 20 and world.cart(first) == {product: 2}
    # Slow but within the timeout: it just takes longer.
    inject(shop, {"stripe": {"delay_seconds": 1, "paths": ["/v1/payment_intents"]}})
    assert shop.checkout(second).status_code == 201
    local(shop, "DELETE", "/_local/faults")
    # The same key again: a fresh intent (Stripe would refuse the old key with new parameters).
    retried = shop.checkout(first, key="slow-stripe")
    assert retried.status_code == 201, retried.text
    assert world.stock()[product] == 17
    orphans = [
        i
        for i in stripe(shop, "/v1/payment_intents?limit=10000")["data"]
        if i["created"] >= world.started and i["id"] != retried.json()["payment"]["payment_intent_id"]
    ]
    assert orphans and all(i["status"] != "succeeded" for i in orphans)
    assert shop.pay(first, retried.json()["checkout_id"]).json()["payment_intent_status"] == "succeeded"
    shop.wait_status(first, retried.json()["orders"][0]["order_id"], "paid")
    check_invariants(world)


def test_refunds_while_stripe_is_down_or_slow(shop: Shop) -> None:
    world = World.make(shop, buyers=3)
    product = world.product_list[0]
    paid = [(b, world.paid_checkout(b, {product: 1})["orders"][0]["order_id"]) for b in world.buyer_list]

    def refund_of(buyer: dict[str, str], order_id: str) -> str | None:
        refund = shop.order(buyer, order_id)["refund"]
        return None if refund is None else str(refund["status"])

    def failed_calls() -> int:
        return sum("stripe unavailable" in line for line in shop.stack.output)

    # Down for a moment: the refund fails, waits in SQS, and succeeds once Stripe is back.
    (buyer_a, order_a), (buyer_b, order_b), (buyer_c, order_c) = paid
    local(shop, "POST", "/_local/stripe/stop")
    failures = failed_calls()
    cancelled = shop.call("POST", f"/v1/orders/{order_a}/cancel", buyer_a, {"reason": "salah"})
    assert cancelled.status_code == 200 and cancelled.json()["refund"]["status"] == "pending"
    shop.wait(lambda: failed_calls() > failures, timeout=15)
    local(shop, "POST", "/_local/stripe/start")
    shop.wait(lambda: refund_of(buyer_a, order_a) == "succeeded", timeout=20)

    # Down longer than the retries: the refund lands in the payments DLQ, visibly pending.
    local(shop, "POST", "/_local/stripe/stop")
    assert shop.call("POST", f"/v1/orders/{order_b}/cancel", buyer_b, {"reason": "salah"}).status_code == 200
    shop.wait(lambda: depths(shop)[PAYMENTS_DLQ]["visible"] == 1, timeout=40)
    assert refund_of(buyer_b, order_b) == "pending"
    local(shop, "POST", "/_local/stripe/start")
    check_invariants(world, stuck={PAYMENTS_DLQ: 1})
    # Reconciliation finds the refund still due and queues it again; redriving the old message changes nothing.
    assert reconcile(shop)["refunds_requeued"] == 1
    shop.wait(lambda: refund_of(buyer_b, order_b) == "succeeded", timeout=20)
    assert local(shop, "POST", f"/_local/queues/{PAYMENTS_DLQ}/redrive")["redriven"] == 1

    # Slow: Stripe makes the refund but answers after our timeout; the retry sends the same
    # idempotency key and gets the same refund back, not a second one.
    inject(shop, {"stripe": {"delay_seconds": 3, "paths": ["/v1/refunds"]}})
    assert shop.call("POST", f"/v1/orders/{order_c}/cancel", buyer_c, {"reason": "salah"}).status_code == 200
    shop.wait(lambda: local(shop, "GET", "/_local/faults")["stripe_delayed"] >= 2, timeout=20)
    local(shop, "DELETE", "/_local/faults")
    shop.wait(lambda: refund_of(buyer_c, order_c) == "succeeded", timeout=20)
    assert world.stock()[product] == 20
    check_invariants(world)
    for buyer, _ in paid:
        kinds = [n["kind"] for n in shop.call("GET", "/v1/me/notifications", buyer).json()["items"]]
        assert kinds.count("order_refunded") == 1


def test_partial_refunds_while_stripe_is_down_or_slow_are_each_made_once(shop: Shop) -> None:
    world = World.make(shop, buyers=1)
    buyer = world.buyer_list[0]
    order_id = world.paid_checkout(buyer, {world.product_list[0]: 2})["orders"][0]["order_id"]  # 10.000

    def goodwill(amount: int) -> dict[str, Any]:
        path = f"/v1/admin/orders/{order_id}/refunds"
        body = {"amount_idr": amount, "reason": "rusak"}
        made = shop.call("POST", path, shop.admin, body, Idempotency_Key=uuid.uuid4().hex)
        assert made.status_code == 202, made.text
        return dict(made.json())

    def statuses() -> list[str]:
        return [r["status"] for r in shop.order(buyer, order_id)["refunds"]]

    # Down for a moment: the partial refund fails, waits in SQS, and is made once Stripe is back.
    local(shop, "POST", "/_local/stripe/stop")
    failures = sum("stripe unavailable" in line for line in shop.stack.output)
    first = goodwill(4_000)
    assert first["status"] == "pending"
    shop.wait(lambda: sum("stripe unavailable" in line for line in shop.stack.output) > failures, timeout=15)
    local(shop, "POST", "/_local/stripe/start")
    shop.wait(lambda: statuses() == ["succeeded"], timeout=30)
    # Slow: Stripe makes it but answers late; the retry's same key gets the same refund back.
    inject(shop, {"stripe": {"delay_seconds": 3, "paths": ["/v1/refunds"]}})
    second = goodwill(3_000)
    shop.wait(lambda: local(shop, "GET", "/_local/faults")["stripe_delayed"] >= 2, timeout=20)
    local(shop, "DELETE", "/_local/faults")
    shop.wait(lambda: statuses() == ["succeeded", "succeeded"], timeout=30)
    shop.stack.drain(60)

    order = shop.order(buyer, order_id)
    detail = shop.call("GET", f"/v1/checkouts/{order['checkout_id']}", buyer).json()
    made = stripe(shop, f"/v1/refunds?payment_intent={detail['payment']['payment_intent_id']}&limit=100")["data"]
    assert sorted((r["metadata"]["refund_id"], r["amount"], r["status"]) for r in made) == sorted(
        [(first["refund_id"], 400_000, "succeeded"), (second["refund_id"], 300_000, "succeeded")]
    )
    assert order["refunded_idr"] == 7_000
    store = shop.call("GET", f"/v1/stores/{world.store}", world.seller).json()
    assert store["turnover_month_idr"] == 3_000
    assert shop.call("GET", f"/v1/stores/{world.store}/balance", world.seller).json()["pending_idr"] == 3_000
    kinds = [n["kind"] for n in shop.call("GET", "/v1/me/notifications", buyer).json()["items"]]
    assert kinds.count("order_refunded") == 2


def test_workers_crashing_mid_batch_count_everything_once(shop: Shop) -> None:
    world = World.make(shop, buyers=4)
    product = world.product_list[1]
    checkouts = []
    for buyer in world.buyer_list:
        world.fill(buyer, {product: 1})
        made = shop.checkout(buyer)
        assert made.status_code == 201
        checkouts.append((buyer, made.json()))
    for queue in (PAYMENTS, ORDER_EVENTS):
        local(shop, "POST", f"/_local/pump/{queue}/pause")
    for buyer, made in checkouts:
        shop.pay(buyer, made["checkout_id"])
    shop.wait(lambda: depths(shop)[PAYMENTS]["visible"] == 4)
    # Each worker handles part of its batch, then dies (twice); SQS brings the whole batch back.
    inject(
        shop,
        {
            "workers": {
                "payments_worker": {"crash_after": 2, "times": 2},
                "order_events_worker": {"crash_after": 1, "times": 2},
            }
        },
    )
    local(shop, "POST", f"/_local/pump/{PAYMENTS}/resume")
    for buyer, made in checkouts:
        shop.wait_status(buyer, made["orders"][0]["order_id"], "paid")
    shop.wait(lambda: depths(shop)[ORDER_EVENTS]["visible"] >= 4)
    local(shop, "POST", f"/_local/pump/{ORDER_EVENTS}/resume")
    shop.stack.drain()
    assert injected(shop)["worker:crash:payments_worker"] == 2
    assert injected(shop)["worker:crash:order_events_worker"] == 2
    for buyer, made in checkouts:
        history = [h["status"] for h in shop.order(buyer, made["orders"][0]["order_id"])["history"]]
        assert history == ["awaiting_payment", "paid"]
    check_invariants(world)


def test_payout_approval_while_stripe_is_down_or_slow_pays_each_payout_once(shop: Shop) -> None:
    world = World.make(shop, buyers=2)
    account = connect(shop, world.seller, world.store)
    finance = shop.user("finance")

    def batch_of_one_order(buyer: dict[str, str]) -> tuple[str, str]:
        """Sell, complete and release one order of 10.000, run payouts: the batch and its payout's path."""
        order_id = world.paid_checkout(buyer, {world.product_list[0]: 2})["orders"][0]["order_id"]
        for step in ("accept", "ready"):
            assert shop.call("POST", f"/v1/orders/{order_id}/{step}", world.seller).status_code == 200
        assert shop.call("POST", f"/v1/orders/{order_id}/complete", buyer).status_code == 200
        shop.stack.drain()
        try:
            shop.clock(3 * 24 * 3600)
            shop.run_schedule("release_earnings")
        finally:
            shop.clock(0)
        made = shop.call("POST", "/v1/admin/payouts/run", finance)
        assert made.status_code == 201, made.text
        return made.json()["batch_id"], f"/v1/admin/payout-batches/{made.json()['batch_id']}"

    def mine(path: str) -> dict[str, Any]:
        return next(p for p in shop.call("GET", path, finance).json()["payouts"] if p["store_id"] == world.store)

    def transfers() -> list[dict[str, Any]]:
        return list(stripe(shop, f"/v1/transfers?destination={account}")["data"])

    # Down: the batch is approved at once; its transfer is made by the payments worker once Stripe is back.
    _, path = batch_of_one_order(world.buyer_list[0])
    local(shop, "POST", "/_local/stripe/stop")
    approved = shop.call("POST", f"{path}/approve", finance)
    assert approved.status_code == 200 and approved.json()["status"] == "processing", approved.text
    assert mine(path)["status"] == "processing" and mine(path)["reference"] is None
    local(shop, "POST", "/_local/stripe/start")
    shop.wait(lambda: mine(path)["status"] == "paid", timeout=60)
    assert [t["id"] for t in transfers()] == [mine(path)["reference"]]
    assert shop.call("POST", f"{path}/approve", finance).status_code == 409

    # Slow: Stripe makes the transfer but answers after our timeout, again and again; once it answers in
    # time, the same idempotency key gets the same transfer back, never a second one.
    _, path = batch_of_one_order(world.buyer_list[1])
    inject(shop, {"stripe": {"delay_seconds": 3, "paths": ["/v1/transfers"]}})
    assert shop.call("POST", f"{path}/approve", finance).status_code == 200
    shop.wait(lambda: local(shop, "GET", "/_local/faults")["stripe_delayed"] >= 3, timeout=40)
    local(shop, "DELETE", "/_local/faults")
    shop.wait(lambda: mine(path)["status"] == "paid", timeout=60)
    made = transfers()
    assert len(made) == 2 and made[0]["id"] == mine(path)["reference"]
    assert made[0]["amount"] == 100 * mine(path)["amount_idr"] == 100 * 10_000
    assert shop.call("GET", path, finance).json()["status"] == "completed"
    check_invariants(world)


def test_a_dispute_refund_that_failed_half_way_is_finished_by_the_hourly_job_once(shop: Shop) -> None:
    _seller, _store, buyer, order_id, product_id = ready(shop, 2)
    dispute_id = open_dispute(shop, buyer, order_id, complaint(product_id, 1))["dispute_id"]
    # The decision is written, then recording its refund on the order fails (DynamoDB keeps throttling).
    inject(
        shop,
        {
            "dynamodb": {
                "error": "throttle",
                "rate": 1.0,
                "times": 60,
                "operations": ["UpdateItem"],
                "tables": ["orders"],
            }
        },
    )
    body = {"outcome": "refund", "refund_idr": 4_000, "note": "Barang rusak."}
    failed = shop.call("POST", f"/v1/admin/disputes/{dispute_id}/resolve", shop.admin, body)
    local(shop, "DELETE", "/_local/faults")
    assert failed.status_code == 503, failed.text
    assert shop.call("GET", f"/v1/disputes/{dispute_id}", buyer).json()["status"] == "resolved_refund"
    assert refunded(shop, buyer, order_id) == 0
    try:  # an hour later the escalation job finds the decision whose refund is missing and makes it, once
        shop.clock(3600)
        assert shop.run_schedule("escalate_disputes")["refunds_finished"] == 1
        assert shop.run_schedule("escalate_disputes")["refunds_finished"] == 0
    finally:
        shop.clock(0)
    shop.wait(lambda: refunded(shop, buyer, order_id) == 4_000)
    shop.stack.drain()
    order = shop.order(buyer, order_id)
    intent = shop.call("GET", f"/v1/checkouts/{order['checkout_id']}", buyer).json()["payment"]["payment_intent_id"]
    assert [r["amount"] for r in stripe(shop, f"/v1/refunds?payment_intent={intent}")["data"]] == [400_000]


def test_sqs_redelivery_changes_nothing_twice(shop: Shop) -> None:
    world = World.make(shop, buyers=2)
    queues = [PAYMENTS, ORDER_EVENTS, "peken-local-notifications"]
    inject(shop, {"redeliver": queues})
    keep, give_back = (world.paid_checkout(b, {world.product_list[0]: 2}) for b in world.buyer_list)
    buyer = world.buyer_list[1]
    order_id = give_back["orders"][0]["order_id"]
    assert shop.call("POST", f"/v1/orders/{order_id}/cancel", buyer, {"reason": "dua kali?"}).status_code == 200
    shop.wait(lambda: (shop.order(buyer, order_id)["refund"] or {}).get("status") == "succeeded")
    shop.stack.drain()
    assert all(injected(shop)[f"sqs:redeliver:{q}"] >= 2 for q in queues), injected(shop)
    check_invariants(world)
    kinds = [n["kind"] for n in shop.call("GET", "/v1/me/notifications", buyer).json()["items"]]
    assert sorted(kinds) == ["order_cancelled", "order_refunded", "payment_received"]
    assert shop.order(world.buyer_list[0], keep["orders"][0]["order_id"])["status"] == "paid"


def test_messages_that_cannot_be_queued(shop: Shop) -> None:
    world = World.make(shop, buyers=3)
    late, payer, regretful = world.buyer_list
    product = world.product_list[0]
    # The expiry message cannot be sent: the orders exist, so the checkout answers 201; the sweep expires it.
    world.fill(late, {product: 3})
    delayed = depths(shop)["peken-local-expiry"]["delayed"]
    inject(shop, {"sqs": {"operations": ["SendMessage"], "queues": ["expiry"], "times": 3}})
    made = shop.checkout(late)
    assert made.status_code == 201, made.text
    assert injected(shop)["sqs:internal:SendMessage"] == 3
    assert depths(shop)["peken-local-expiry"]["delayed"] == delayed
    assert world.stock()[product] == 17
    try:
        shop.clock(31 * 60)
        assert shop.run_schedule("expiry_sweep")["expired"] >= 1  # other tests' unpaid orders go too
    finally:
        shop.clock(0)
    assert shop.order(late, made.json()["orders"][0]["order_id"])["status"] == "expired"
    # The worker pays the order, then cannot queue its "paid" event (a crash in between would do the same):
    # the payment message is retried, finds the order paid but not counted, and announces it again.
    world.fill(payer, {product: 2})
    bought = shop.checkout(payer).json()
    inject(shop, {"sqs": {"operations": ["SendMessage"], "queues": ["order-events"], "times": 3}})
    shop.pay(payer, bought["checkout_id"])
    shop.wait_status(payer, bought["orders"][0]["order_id"], "paid")
    shop.wait(lambda: injected(shop)["sqs:internal:SendMessage"] == 6)
    check_invariants(world)  # turnover and the seller's notice included
    # The cancel of the paid order is written, then its refund request cannot be queued: no queue holds
    # it, but the order is due a refund, which reconciliation finds and queues again.
    order_id = bought["orders"][0]["order_id"]
    inject(shop, {"sqs": {"operations": ["SendMessage"], "queues": ["payments"], "times": 3}})
    shop.call("POST", f"/v1/orders/{order_id}/cancel", payer, {"reason": "uang kembali"})  # answered 500
    assert injected(shop)["sqs:internal:SendMessage"] == 9
    shop.stack.drain()
    order = shop.order(payer, order_id)
    assert order["status"] == "cancelled" and order["refund"]["status"] == "pending"
    assert reconcile(shop)["refunds_requeued"] == 1
    shop.wait(lambda: shop.order(payer, order_id)["refund"]["status"] == "succeeded")
    check_invariants(world)
    # The refund is made and written, then its "refunded" event cannot be queued: the retried message
    # finds the refund done but not counted, and announces it again (turnover and spending go back).
    order_id = world.paid_checkout(regretful, {product: 1})["orders"][0]["order_id"]
    shop.stack.drain()
    local(shop, "POST", f"/_local/pump/{PAYMENTS}/pause")
    assert shop.call("POST", f"/v1/orders/{order_id}/cancel", regretful, {"reason": "batal"}).status_code == 200
    inject(shop, {"sqs": {"operations": ["SendMessage"], "queues": ["order-events"], "times": 3}})
    local(shop, "POST", f"/_local/pump/{PAYMENTS}/resume")
    shop.wait(lambda: injected(shop)["sqs:internal:SendMessage"] == 12)
    shop.wait(lambda: shop.order(regretful, order_id)["refund"]["status"] == "succeeded")
    check_invariants(world)


def test_payment_event_in_the_dead_letter_queue_is_repaired_by_reconciliation(shop: Shop) -> None:
    world = World.make(shop, buyers=1)
    (buyer,) = world.buyer_list
    world.fill(buyer, {world.product_list[0]: 1})
    made = shop.checkout(buyer).json()
    order_id = made["orders"][0]["order_id"]
    inject(shop, {"workers": {"payments_worker": {"crash_after": 0, "times": 5}}})  # maxReceiveCount is 5
    shop.pay(buyer, made["checkout_id"])
    shop.wait(lambda: depths(shop)[PAYMENTS_DLQ]["visible"] == 1, timeout=40)
    assert shop.order(buyer, order_id)["status"] == "awaiting_payment"
    check_invariants(world, stuck={PAYMENTS_DLQ: 1})
    assert shop.run_schedule("reconcile_payments")["repaired"] == 1
    assert shop.order(buyer, order_id)["status"] == "paid"
    # The operator redrives the old event later: it changes nothing.
    assert local(shop, "POST", f"/_local/queues/{PAYMENTS_DLQ}/redrive")["redriven"] == 1
    check_invariants(world)
    assert [h["status"] for h in shop.order(buyer, order_id)["history"]] == ["awaiting_payment", "paid"]


def test_cancel_and_expiry_under_transaction_conflicts(shop: Shop) -> None:
    world = World.make(shop, buyers=2)
    (first, second), product = world.buyer_list, world.product_list[0]
    orders = []
    for buyer in (first, second):
        world.fill(buyer, {product: 4})
        orders.append(shop.checkout(buyer).json())
    inject(shop, {"dynamodb": {"error": "conflict", "operations": ["TransactWriteItems"], "tables": ["orders"]}})
    cancel = shop.call("POST", f"/v1/orders/{orders[0]['orders'][0]['order_id']}/cancel", first)
    assert cancel.status_code == 503 and error_of(cancel.json())["code"] == "service_unavailable", cancel.text
    try:
        shop.clock(31 * 60)
        failed = requests.post(f"{shop.url}/_local/schedules/expiry_sweep", timeout=60)
        assert failed.status_code == 500 and error_of(failed.json())["code"] == "job_failed"
        # Nothing half-done: still open for payment and reconciliation, stock still held.
        for buyer, made in zip((first, second), orders, strict=True):
            checkout = shop.call("GET", f"/v1/checkouts/{made['checkout_id']}", buyer).json()
            assert checkout["status"] == "awaiting_payment"
            assert [o["status"] for o in checkout["orders"]] == ["awaiting_payment"]
        assert world.stock()[product] == 12
        local(shop, "DELETE", "/_local/faults")
        assert shop.run_schedule("expiry_sweep")["expired"] == 2
    finally:
        shop.clock(0)
    assert world.stock()[product] == 20
    check_invariants(world)


def test_stack_killed_mid_flow_and_restarted_on_the_same_state(stacks: Stacks, shop: Shop) -> None:
    """SIGKILL before any save, then start again on the same PEKEN_STATE_DIR: nothing of the old state is left.

    A stack's state lives or dies together (infra/local/persistence.py; test_local_state.py shows it kept).
    """
    world = World.make(shop, buyers=2)
    (settled, in_flight), product = world.buyer_list, world.product_list[0]
    done = world.paid_checkout(settled, {product: 1})
    world.fill(in_flight, {product: 2})
    pending = shop.checkout(in_flight).json()
    local(shop, "POST", f"/_local/pump/{PAYMENTS}/pause")
    shop.pay(in_flight, pending["checkout_id"])  # Stripe took the money; its event waits in our queue
    shop.wait(lambda: depths(shop)[PAYMENTS]["visible"] == 1)
    old = stacks.current
    state = local(shop, "GET", "/_local/faults")
    stacks.injected[old.url] = Counter({**state["injected"], "stripe:delayed": int(state.get("stripe_delayed", 0))})
    children = old.descendants()
    old.stop(signal.SIGKILL)
    BY_HAND["stack:sigkill"] += 1
    _wait_gone(children)
    stacks.current = _start(stacks.state_dir)
    again = Shop(stacks.current)
    # Gone together: localstripe's store (no payment outlives its order), the signing key, and moto's tables
    # and queues: re-provisioned and re-seeded, without our orders. On AWS, DynamoDB, SQS and Stripe keep them.
    base = local(again, "GET", "/_local/stripe")["url"]
    for made in (done, pending):
        intent = f"{base}/v1/payment_intents/{made['payment']['payment_intent_id']}"
        assert requests.get(intent, headers={"Authorization": f"Bearer {STRIPE_KEY}"}, timeout=10).status_code == 404
    stale = requests.get(f"{again.url}/v1/me", headers=world.buyers[next(iter(world.buyers))], timeout=10)
    assert stale.status_code == 401
    fresh = again.stack.headers(next(iter(world.buyers)), ["buyer"])
    assert again.call("GET", f"/v1/orders/{done['orders'][0]['order_id']}", fresh).status_code == 404
    assert all(d["visible"] == d["in_flight"] == 0 for d in depths(again).values())
    assert len(again.call("GET", "/v1/stores").json()["items"]) == 5  # the seed, once
    # And the restarted stack takes payments again (a fresh webhook secret, registered anew).
    fresh_world = World.make(again, buyers=1)
    fresh_world.paid_checkout(fresh_world.buyer_list[0], {fresh_world.product_list[0]: 1})
    check_invariants(fresh_world)


def _wait_gone(pids: set[int], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() and "zombie" not in _status(pid) for pid in pids):
            return
        time.sleep(0.1)
    raise AssertionError(f"children of the killed stack still run: {pids}")


def _status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "zombie"
