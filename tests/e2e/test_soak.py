"""A randomised soak: concurrent buyers, sellers and Stripe over HTTP, then every invariant checked.

Buyers browse, fill carts, check out, pay, fail to pay, abandon, cancel before and after
paying and complete; sellers accept, mark ready and cancel, edit their products and close
and reopen their stores; the city suspends and reinstates stores; Stripe's webhooks are
replayed. Seller and admin writes race checkouts, cancels, expiries and turnover updates,
so a write that overwrote stock or turnover it does not own breaks the invariants below.
At the end, once queues are drained and abandoned checkouts expired:
- every order is in a legal state and none still awaits payment;
- stock is conserved: initial = left + units in orders that hold stock;
- money is conserved: paid - refunded = kept (orders that hold stock), and the ledgers
  agree: each store's turnover, each ASN's spending;
- every refund succeeded, and nobody got the same notification twice;
- settlement: each store's ledger adds up to its balance, the money report's difference is 0,
  and after the hold, a payout run approved by two officers at once and the bank's results
  recorded twice at once, no payout is paid twice (one ledger entry, one Stripe transfer).

`make test` runs a bounded few hundred operations; `make soak` runs thousands
(PEKEN_SOAK_OPERATIONS, PEKEN_SOAK_CLIENTS, PEKEN_SOAK_SEED to replay a run).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.e2e.conftest import RunningStack
from tests.e2e.shop import Shop
from tests.e2e.test_payouts import connect, paid_more_than_once
from tests.e2e.test_spending import nip

OPERATIONS = int(os.environ.get("PEKEN_SOAK_OPERATIONS", "150"))  # `make test`; `make soak` runs 1,000
CLIENTS = int(os.environ.get("PEKEN_SOAK_CLIENTS", "8"))
INITIAL_STOCK = 400
HOLDS_STOCK = ("paid", "accepted", "ready", "completed")
CURATION_NOTICES = ("store_approved", "store_rejected", "store_suspended", "store_reinstated")
LEGAL = {"awaiting_payment", "paid", "accepted", "ready", "completed", "cancelled", "expired"}
# operation -> weight
MIX = {
    "browse": 20,
    "buy_and_pay": 35,
    "buy_declined_then_pay": 5,
    "buy_and_abandon": 8,
    "buy_and_cancel_unpaid": 5,
    "cancel_paid": 5,
    "seller_advance": 12,
    "seller_cancel": 2,
    "complete": 5,
    "replay_webhook": 3,
    "seller_edit": 6,
    "store_toggle": 3,
    "curation": 2,
    "partial_refund": 4,
}


@dataclass
class World:
    """The soak's people and what the clients saw happen."""

    shop: Shop
    rng: random.Random
    sellers: list[dict[str, str]]
    stores: list[str]
    products: dict[str, int]  # product -> index of its seller
    buyers: list[dict[str, str]]
    asn_nips: dict[int, str]  # buyer index -> NIP
    buyer_locks: list[threading.Lock]
    lock: threading.Lock = field(default_factory=threading.Lock)
    paid: dict[str, int] = field(default_factory=dict)  # checkout -> amount Stripe took
    intents: list[str] = field(default_factory=list)
    done: Counter[str] = field(default_factory=Counter)
    # store -> the curation notices its seller is due
    curation: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> requests.Response:
        response = self.shop.call(method, path, headers, body)
        if response.status_code >= 500:
            with self.lock:
                self.errors.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
        return response


def test_soak_keeps_every_invariant(stack: RunningStack) -> None:
    seed = int(os.environ.get("PEKEN_SOAK_SEED", random.randrange(1 << 30)))
    world = _world(Shop(stack), random.Random(seed))
    plan = [world.rng.choices(list(MIX), weights=list(MIX.values()))[0] for _ in range(OPERATIONS)]
    seeds = [world.rng.randrange(1 << 30) for _ in plan]
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(lambda item: _operate(world, *item), zip(plan, seeds, strict=True)))
    ran = time.monotonic() - began
    _settle(world)
    settled = time.monotonic() - began - ran
    _pay_out(world)
    paid_out = time.monotonic() - began - ran - settled
    violations = _violations(world)
    report = {
        "seed": seed,
        "operations": OPERATIONS,
        "clients": CLIENTS,
        "seconds": round(ran, 1),
        # after the operations: queues drained and checkouts expired, payouts run, invariants checked
        "settle_seconds": round(settled, 1),
        "payout_seconds": round(paid_out, 1),
        "check_seconds": round(time.monotonic() - began - ran - settled - paid_out, 1),
        "done": dict(world.done),
        "server_errors": len(world.errors),
        "violations": violations,
    }
    print(json.dumps(report))
    if os.environ.get("PEKEN_SOAK_REPORT"):
        with open(os.environ["PEKEN_SOAK_REPORT"], "w", encoding="utf-8") as fh:
            json.dump(report, fh)
    assert not world.errors, (seed, world.errors[:5])
    assert not violations, (seed, violations)
    assert world.done["paid"] > 0 and world.done["advanced"] > 0, (seed, world.done)
    assert world.done["seller_edits"] > 0 and world.done["stores_toggled"] + world.done["curated"] > 0, world.done


def _world(shop: Shop, rng: random.Random) -> World:
    sellers = [shop.user("seller") for _ in range(4)]
    kecamatan = [("Gubeng", "Airlangga"), ("Genteng", "Ketabang"), ("Tegalsari", "Kedungdoro"), ("Gubeng", "Gubeng")]
    stores = [shop.store(s, *kecamatan[i]) for i, s in enumerate(sellers)]
    finance = shop.user("finance")
    for i, (seller, store) in enumerate(zip(sellers, stores, strict=True)):  # half Stripe Connect, half bank
        if i % 2:
            connect(shop, seller, store)
            continue
        bank = {
            "method": "bank_transfer",
            "bank_code": "014",
            "account_number": f"77{i}{nip()[-8:]}",
            "account_name": "Soak",
        }
        assert shop.call("PUT", f"/v1/stores/{store}/payout-account", seller, bank).status_code == 200
        assert shop.call("POST", f"/v1/admin/stores/{store}/payout-account/verify", finance, {}).status_code == 200
    products = {}
    for i in range(10):
        owner = i % len(sellers)
        price = rng.randrange(1, 40) * 1000
        products[shop.product(sellers[owner], stores[owner], stock=INITIAL_STOCK, price=price)] = owner
    nips = {i: nip() for i in range(10)}
    rows = [
        {"nip": n, "name": f"ASN {i}", "department": f"Dinas {shop.tag}", "grade": "III/a"} for i, n in nips.items()
    ]
    assert shop.call("POST", "/v1/admin/asn", shop.admin, {"rows": rows}).status_code == 200
    buyers = [
        shop.stack.headers(f"soak-{i}-{shop.tag}", ["buyer"], **({"nip": nips[i]} if i in nips else {}))
        for i in range(30)
    ]
    return World(shop, rng, sellers, stores, products, buyers, nips, [threading.Lock() for _ in buyers])


def _operate(world: World, operation: str, seed: int) -> None:
    rng = random.Random(seed)
    try:
        OPERATIONS_BY_NAME[operation](world, rng)
    except Exception as exc:  # a client-side surprise is a finding, not a crash of the whole soak
        with world.lock:
            world.errors.append(f"{operation}: {exc!r}")


def _browse(world: World, rng: random.Random) -> None:
    buyer = rng.choice(world.buyers)
    store = rng.choice(world.stores)
    for path in (f"/v1/products?limit={rng.randint(1, 50)}", f"/v1/products?store_id={store}", "/v1/stores"):
        assert world.call("GET", path, buyer).status_code == 200
    world.done["browsed"] += 1


def _buy(world: World, rng: random.Random) -> tuple[dict[str, str], dict[str, Any]] | None:
    index = rng.randrange(len(world.buyers))
    buyer = world.buyers[index]
    with world.buyer_locks[index]:  # one device per buyer: a cart is per person
        world.call("DELETE", "/v1/cart", buyer)
        for product in rng.sample(list(world.products), rng.randint(1, 3)):
            world.call("PUT", f"/v1/cart/items/{product}", buyer, {"quantity": rng.randint(1, 4)})
        made = world.shop.call(
            "POST", "/v1/checkout", buyer, {"fulfillment": {"method": "pickup"}}, Idempotency_Key=uuid.uuid4().hex
        )
    if made.status_code != 201:
        assert made.status_code in (409, 422), made.text  # sold out or an empty cart
        world.done["refused"] += 1
        return None
    return buyer, made.json()


def _pay(world: World, buyer: dict[str, str], checkout: dict[str, Any], outcome: str = "succeeded") -> bool:
    paid = world.call("POST", f"/v1/dev/checkouts/{checkout['checkout_id']}/pay", buyer, {"outcome": outcome})
    if paid.status_code == 200 and paid.json()["payment_intent_status"] == "succeeded":
        with world.lock:
            world.paid[checkout["checkout_id"]] = int(checkout["total_idr"])
            world.intents.append(checkout["payment"]["payment_intent_id"])
        world.done["paid"] += 1
        return True
    world.done["declined" if outcome == "declined" else "pay_refused"] += 1
    return False


def _buy_and_pay(world: World, rng: random.Random) -> None:
    bought = _buy(world, rng)
    if bought:
        _pay(world, *bought)


def _buy_declined_then_pay(world: World, rng: random.Random) -> None:
    bought = _buy(world, rng)
    if bought:
        _pay(world, *bought, outcome="declined")
        _pay(world, *bought)


def _buy_and_abandon(world: World, rng: random.Random) -> None:
    if _buy(world, rng):
        world.done["abandoned"] += 1


def _buy_and_cancel_unpaid(world: World, rng: random.Random) -> None:
    bought = _buy(world, rng)
    if bought:
        buyer, checkout = bought
        for order in checkout["orders"]:
            world.call("POST", f"/v1/orders/{order['order_id']}/cancel", buyer, {"reason": "berubah pikiran"})
        world.done["cancelled_unpaid"] += 1


def _cancel_paid(world: World, rng: random.Random) -> None:
    buyer = rng.choice(world.buyers)
    for order in world.call("GET", "/v1/orders?status=paid&limit=5", buyer).json()["items"][:1]:
        if world.call("POST", f"/v1/orders/{order['order_id']}/cancel", buyer, {"reason": "refund"}).ok:
            world.done["cancelled_paid"] += 1


def _seller_advance(world: World, rng: random.Random) -> None:
    owner = rng.randrange(len(world.sellers))
    seller, store = world.sellers[owner], world.stores[owner]
    for status, step in (("paid", "accept"), ("accepted", "ready")):
        for order in world.call("GET", f"/v1/stores/{store}/orders?status={status}&limit=3", seller).json()["items"]:
            if world.call("POST", f"/v1/orders/{order['order_id']}/{step}", seller).ok:
                world.done["advanced"] += 1


def _seller_cancel(world: World, rng: random.Random) -> None:
    owner = rng.randrange(len(world.sellers))
    seller, store = world.sellers[owner], world.stores[owner]
    for order in world.call("GET", f"/v1/stores/{store}/orders?status=accepted&limit=1", seller).json()["items"]:
        if world.call("POST", f"/v1/orders/{order['order_id']}/cancel", seller, {"reason": "stok habis"}).ok:
            world.done["seller_cancelled"] += 1


def _complete(world: World, rng: random.Random) -> None:
    buyer = rng.choice(world.buyers)
    for order in world.call("GET", "/v1/orders?status=ready&limit=2", buyer).json()["items"]:
        if world.call("POST", f"/v1/orders/{order['order_id']}/complete", buyer).ok:
            world.done["completed"] += 1


def _replay_webhook(world: World, rng: random.Random) -> None:
    with world.lock:
        intent = rng.choice(world.intents) if world.intents else None
    if intent is None:
        return
    payload, signature = world.shop.signed_event(f"evt_{uuid.uuid4().hex[:16]}", "payment_intent.succeeded", intent)
    response = world.shop.post_webhook(payload, signature, timeout=30)
    assert response.status_code == 200, response.text
    world.done["webhooks_replayed"] += 1


def _seller_edit(world: World, rng: random.Random) -> None:
    product = rng.choice(list(world.products))
    seller = world.sellers[world.products[product]]
    change = rng.choice([{"description": f"edisi {rng.randrange(1000)}"}, {"name": f"Barang {rng.randrange(1000)}"}])
    if world.call("PATCH", f"/v1/products/{product}", seller, change).ok:
        world.done["seller_edits"] += 1


def _store_toggle(world: World, rng: random.Random) -> None:
    owner = rng.randrange(len(world.sellers))
    seller, store = world.sellers[owner], world.stores[owner]
    closed = world.call("PATCH", f"/v1/stores/{store}", seller, {"open": False}).ok
    reopened = world.call("PATCH", f"/v1/stores/{store}", seller, {"open": True}).ok
    if closed and reopened:
        world.done["stores_toggled"] += 1


def _curation(world: World, rng: random.Random) -> None:
    store = rng.choice(world.stores)
    admin = world.shop.admin
    suspended = world.call("POST", f"/v1/admin/stores/{store}/suspend", admin, {"reason": "pemeriksaan"}).ok
    reinstated = suspended and world.call("POST", f"/v1/admin/stores/{store}/approve", admin).ok
    with world.lock:
        world.curation[store].update(store_suspended=int(suspended), store_reinstated=int(reinstated))
    if reinstated:
        world.done["curated"] += 1


def _partial_refund(world: World, rng: random.Random) -> None:
    """An officer's goodwill refund of part of a ready or completed order."""
    buyer = rng.choice(world.buyers)
    status = rng.choice(["ready", "completed"])
    for order in world.call("GET", f"/v1/orders?status={status}&limit=2", buyer).json()["items"][:1]:
        amount = rng.randint(1, max(1, (order["total_idr"] - order["refunded_idr"]) // 2))
        headers = {**world.shop.admin, "Idempotency-Key": f"soak-{rng.getrandbits(64):x}"}
        path = f"/v1/admin/orders/{order['order_id']}/refunds"
        if world.call("POST", path, headers, {"amount_idr": amount, "reason": "goodwill"}).status_code == 202:
            world.done["partial_refunds"] += 1


OPERATIONS_BY_NAME = {
    "browse": _browse,
    "buy_and_pay": _buy_and_pay,
    "buy_declined_then_pay": _buy_declined_then_pay,
    "buy_and_abandon": _buy_and_abandon,
    "buy_and_cancel_unpaid": _buy_and_cancel_unpaid,
    "cancel_paid": _cancel_paid,
    "seller_advance": _seller_advance,
    "seller_cancel": _seller_cancel,
    "complete": _complete,
    "replay_webhook": _replay_webhook,
    "seller_edit": _seller_edit,
    "store_toggle": _store_toggle,
    "curation": _curation,
    "partial_refund": _partial_refund,
}


def _settle(world: World) -> None:
    """Let every payment land, expire what was abandoned, and let every refund finish."""
    shop = world.shop
    # The emulator serialises every call, so the queues need longer the more the soak did.
    patience = max(120.0, OPERATIONS * 0.6)
    # Drain before looking: reading every buyer's orders again and again while the workers catch
    # up took the time they needed (a 5,000-operation soak settled in 214 s).
    shop.stack.drain(timeout=patience)
    shop.wait(lambda: all(o["status"] != "awaiting_payment" for o in _orders_of_paid(world)), timeout=patience)
    try:
        shop.clock(31 * 60)
        shop.run_schedule("expiry_sweep")
    finally:
        shop.clock(0)
    shop.stack.drain(timeout=patience)
    shop.wait(lambda: all(r["status"] == "succeeded" for o in _all(world) for r in o["refunds"]), patience)
    shop.stack.drain(timeout=patience)


def _pay_out(world: World) -> None:
    """Release what was completed, run payouts, approve twice at once and record the bank's results twice at once."""
    shop, finance = world.shop, world.shop.user("finance")
    try:
        shop.clock(3 * 24 * 3600)
        shop.run_schedule("release_earnings")
    finally:
        shop.clock(0)
    made = shop.call("POST", "/v1/admin/payouts/run", finance)
    assert made.status_code in (200, 201), made.text
    batch_id = made.json()["batch_id"]
    if batch_id is None:
        return
    base = f"/v1/admin/payout-batches/{batch_id}"

    def payouts_of(path: str) -> list[dict[str, Any]]:
        return list(shop.call("GET", path, finance).json()["payouts"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        approvals = list(pool.map(lambda _: shop.call("POST", f"{base}/approve", finance), range(2)))
    assert sorted(a.status_code for a in approvals) == [200, 409], [a.text for a in approvals]
    # Connect payouts are paid by Stripe (the approval or the payments worker); bank ones wait for the bank.
    shop.wait(lambda: all(p["status"] != "processing" or p["method"] == "bank_transfer" for p in payouts_of(base)))
    bank = [p for p in payouts_of(base) if p["status"] == "processing"]
    results = {"results": [{"payout_id": p["payout_id"], "status": "paid"} for p in bank]}
    if bank:
        with ThreadPoolExecutor(max_workers=2) as pool:
            recorded = list(pool.map(lambda _: shop.call("POST", f"{base}/results", finance, results), range(2)))
        assert {r.status_code for r in recorded} <= {200, 409} and 200 in {r.status_code for r in recorded}
    world.done["payouts"] += int(made.json()["payout_count"])


def _orders_of_paid(world: World) -> list[dict[str, Any]]:
    paid = set(world.paid)
    return [o for o in _all(world) if o["checkout_id"] in paid]


def _all(world: World) -> list[dict[str, Any]]:
    return [order for buyer in world.buyers for order in world.shop.every("/v1/orders", buyer)]


def _violations(world: World) -> list[str]:
    shop, out = world.shop, []
    orders = _all(world)
    by_buyer = {i: [o for o in orders if o["buyer_id"] == _user_of(b)] for i, b in enumerate(world.buyers)}
    illegal = [o["order_id"] for o in orders if o["status"] not in LEGAL or o["status"] == "awaiting_payment"]
    if illegal:
        out.append(f"orders in a wrong final state: {illegal[:5]}")
    sold: Counter[str] = Counter()
    for order in orders:
        if order["status"] in HOLDS_STOCK:
            for line in order["lines"]:
                sold[line["product_id"]] += line["quantity"]
    for product, owner in world.products.items():
        left = shop.stock(product, world.sellers[owner])
        if left < 0 or left + sold[product] != INITIAL_STOCK:
            out.append(f"stock of {product}: {left} left + {sold[product]} sold != {INITIAL_STOCK}")
    refunds = [r for o in orders for r in o["refunds"]]
    if any(r["status"] != "succeeded" for r in refunds):
        out.append("a refund did not succeed")
    # Refunds never above the total, each once at Stripe (partial ones: those of orders still held).
    adding_up = [o for o in orders if o["refunded_idr"] == sum(r["amount_idr"] for r in o["refunds"]) <= o["total_idr"]]
    if len(adding_up) != len(orders):
        out.append(f"refunds above the total, or not adding up: {len(orders) - len(adding_up)} orders")
    out += _each_refund_once(world, [o for o in orders if o["status"] in HOLDS_STOCK and o["refunds"]])
    refunded = sum(r["amount_idr"] for r in refunds)
    kept = sum(o["total_idr"] - o["refunded_idr"] for o in orders if o["status"] in HOLDS_STOCK)
    if sum(world.paid.values()) - refunded != kept:
        out.append(f"money: paid {sum(world.paid.values())} - refunded {refunded} != kept {kept}")
    unpaid_holding = [
        o["order_id"] for o in orders if o["status"] in HOLDS_STOCK and o["checkout_id"] not in world.paid
    ]
    if unpaid_holding:
        out.append(f"orders held without a payment: {unpaid_holding[:5]}")
    for owner, store in enumerate(world.stores):
        turnover = shop.call("GET", f"/v1/stores/{store}", world.sellers[owner]).json()["turnover_month_idr"]
        held = [o for o in orders if o["store_id"] == store and o["status"] in HOLDS_STOCK]
        expected = sum(o["total_idr"] - o["refunded_idr"] for o in held)
        if turnover != expected:
            out.append(f"turnover of {store}: {turnover} != {expected}")
    for index in world.asn_nips:
        spent = shop.call("GET", "/v1/me/spending", world.buyers[index]).json()["spent_idr"]
        expected = sum(o["total_idr"] - o["refunded_idr"] for o in by_buyer[index] if o["status"] in HOLDS_STOCK)
        if spent != expected:
            out.append(f"spending of ASN {index}: {spent} != {expected}")
    for person in [*world.buyers, *world.sellers]:
        inbox = shop.every("/v1/me/notifications", person)
        # a store suspended twice is told twice in the same words: those notices are counted below
        once = [n for n in inbox if n["kind"] not in CURATION_NOTICES]
        twice = [key for key, n in Counter((n["kind"], n["body"]) for n in once).items() if n > 1]
        if twice:
            out.append(f"notifications delivered twice: {twice[:3]}")
    for owner, store in enumerate(world.stores):
        inbox = shop.every("/v1/me/notifications", world.sellers[owner])
        told = Counter(n["kind"] for n in inbox if n["kind"] in CURATION_NOTICES)
        due = Counter({"store_approved": 1, **world.curation[store]})
        if +told != +due:
            out.append(f"curation notices of {store}: {dict(told)} != {dict(due)}")
    # Settlement: per store, the ledger's entries add up to its balance counters; platform-wide nothing is lost.
    for owner, store in enumerate(world.stores):
        figures = shop.call("GET", f"/v1/stores/{store}/balance", world.sellers[owner]).json()
        owed = figures["pending_idr"] + figures["available_idr"] + figures["in_payout_idr"]
        month = shop.call("GET", f"/v1/stores/{store}/statement", world.sellers[owner]).json()
        summed = month["opening_balance_idr"] + sum(e["amount_idr"] for e in month["entries"])
        if not summed == month["closing_balance_idr"] == owed:
            out.append(f"ledger of {store}: entries {summed}, closing {month['closing_balance_idr']}, balance {owed}")
    for owner, store in enumerate(world.stores):
        out += paid_more_than_once(shop, store, world.sellers[owner])
    difference = shop.call("GET", "/v1/admin/reports/money", shop.admin).json()["difference_idr"]
    if difference != 0:
        out.append(f"money report: difference_idr {difference}")
    return out


def _each_refund_once(world: World, orders: list[dict[str, Any]]) -> list[str]:
    """Each refund of these orders is one succeeded Stripe refund of its amount (its metadata names it)."""
    buyers = {_user_of(b): b for b in world.buyers}
    out = []
    for order in orders:
        checkout = world.shop.call("GET", f"/v1/checkouts/{order['checkout_id']}", buyers[order["buyer_id"]]).json()
        intent = checkout["payment"]["payment_intent_id"]
        made = world.shop.stripe_get(f"/v1/refunds?payment_intent={intent}&limit=100")["data"]
        # One PaymentIntent pays the whole checkout: only this order's refunds (their metadata names it).
        mine = [r for r in made if r["status"] == "succeeded" and r["metadata"].get("order_id") == order["order_id"]]
        at_stripe = sorted(r["amount"] // 100 for r in mine)
        ours = sorted(r["amount_idr"] for r in order["refunds"] if r["amount_idr"])  # a whole refund of 0: no call
        parts = Counter(r["metadata"]["refund_id"] for r in mine if r["metadata"].get("refund_id"))
        if (
            at_stripe != ours
            or any(n > 1 for n in parts.values())
            or not set(parts) <= {r["refund_id"] for r in order["refunds"]}
        ):
            out.append(f"refunds of {order['order_id']} at Stripe: {at_stripe} {dict(parts)} != {ours}")
    return out


def _user_of(headers: dict[str, str]) -> str:
    import jwt

    return str(jwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})["sub"])
