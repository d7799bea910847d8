"""A randomised run of a few hundred checkouts: stock and money must balance at the end."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.e2e.conftest import RunningStack
from tests.e2e.shop import Shop

CHECKOUTS = int(os.environ.get("PEKEN_CONSERVATION_CHECKOUTS", "200"))
HOLDS_STOCK = ("paid", "accepted", "ready", "completed")
LEGAL = {"awaiting_payment", "paid", "accepted", "ready", "completed", "cancelled", "expired"}


def test_stock_and_money_are_conserved(stack: RunningStack) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    shop = Shop(stack)
    sellers = [shop.user("seller") for _ in range(3)]
    stores = [shop.store(s) for s in sellers]
    products = {}
    for i in range(6):
        owner = i % 3
        products[shop.product(sellers[owner], stores[owner], stock=120, price=rng.randrange(1, 50) * 1000)] = owner
    initial = {p: 120 for p in products}
    buyers = [shop.user("buyer") for _ in range(40)]
    lock = threading.Lock()
    paid_total: list[int] = []
    plans = [
        (
            rng.choice(range(len(buyers))),
            rng.random(),
            rng.sample(list(products), rng.randint(1, 3)),
            [rng.randint(1, 3) for _ in range(3)],
        )
        for _ in range(CHECKOUTS)
    ]
    buyer_locks = [threading.Lock() for _ in buyers]
    paid_orders: set[str] = set()

    def run(plan: tuple[int, float, list[str], list[int]]) -> str:
        index, roll, chosen, quantities = plan
        buyer = buyers[index]
        with buyer_locks[index]:  # one device per buyer: carts are per person
            shop.call("DELETE", "/v1/cart", buyer)
            for product, quantity in zip(chosen, quantities, strict=False):
                shop.put(buyer, product, quantity)
            made = shop.checkout(buyer)
        if made.status_code != 201:
            assert made.status_code in (409, 422), made.text  # sold out, or nothing left to put in the cart
            return "refused"
        body = made.json()
        if roll < 0.10:
            order = rng.choice(body["orders"])["order_id"]
            assert shop.call("POST", f"/v1/orders/{order}/cancel", buyer, {"reason": "changed mind"}).ok
        if roll < 0.70:
            outcome = "declined" if 0.60 <= roll < 0.70 else "succeeded"
            status = shop.pay(buyer, body["checkout_id"], outcome).json()["payment_intent_status"]
            if status == "succeeded":
                with lock:
                    paid_total.append(int(body["total_idr"]))
                    paid_orders.update(o["order_id"] for o in body["orders"])
                return "paid"
            return "declined"
        return "unpaid"

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = Counter(pool.map(run, plans))
    print(f"{CHECKOUTS} checkouts in {time.monotonic() - began:.1f} s")
    assert outcomes["paid"] > CHECKOUTS // 4, outcomes

    def settled() -> bool:
        return all(
            o["status"] != "awaiting_payment" or o["order_id"] not in paid_orders for o in all_orders(shop, buyers)
        )

    started = time.monotonic()
    # Cancel some paid orders (refunds), then let every payment land.
    for buyer in buyers[:10]:
        for order in shop.call("GET", "/v1/orders?status=paid&limit=3", buyer).json()["items"][:1]:
            shop.call("POST", f"/v1/orders/{order['order_id']}/cancel", buyer, {"reason": "refund me"})
    shop.wait(settled, timeout=120)
    print(f"payments settled in {time.monotonic() - started:.1f} s; outcomes {dict(outcomes)}")
    try:
        shop.clock(31 * 60)
        shop.run_schedule("expiry_sweep")
    finally:
        shop.clock(0)
    orders = all_orders(shop, buyers)
    shop.wait(
        lambda: all(
            (o.get("refund") or {"status": "succeeded"})["status"] == "succeeded" for o in all_orders(shop, buyers)
        ),
        timeout=60,
    )
    orders = all_orders(shop, buyers)

    assert {o["status"] for o in orders} <= LEGAL
    sold: Counter[str] = Counter()
    for order in orders:
        if order["status"] in HOLDS_STOCK:
            for line in order["lines"]:
                sold[line["product_id"]] += line["quantity"]
    for product, owner in products.items():
        left = shop.stock(product, sellers[owner])
        assert left >= 0
        assert initial[product] == left + sold[product], (seed, product)
    refunded = sum(o["refund"]["amount_idr"] for o in orders if o.get("refund"))
    kept = sum(o["total_idr"] for o in orders if o["status"] in HOLDS_STOCK)
    assert sum(paid_total) - refunded == kept, (seed, outcomes)
    assert not any(o["status"] == "awaiting_payment" for o in orders)


def all_orders(shop: Shop, buyers: list[dict[str, str]]) -> list[dict[str, Any]]:
    found = []
    for buyer in buyers:
        cursor = ""
        while True:
            page = shop.call("GET", f"/v1/orders?limit=100{cursor}", buyer).json()
            found += page["items"]
            if not page["next_cursor"]:
                break
            cursor = f"&cursor={page['next_cursor']}"
    return found
