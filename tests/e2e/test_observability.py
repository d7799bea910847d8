"""What operators see: business metrics, one correlation id across queues, no personal data in logs."""

from __future__ import annotations

import json
import uuid
from collections import Counter

from chalicelib import metrics
from tests.e2e.conftest import RunningStack
from tests.e2e.shop import Shop
from tests.e2e.test_spending import daytime_offset, nip


def published(stack: RunningStack) -> Counter[str]:
    """Sum every metric the stack has published so far (EMF blobs, one per unit of work)."""
    totals: Counter[str] = Counter()
    path = stack.state_dir / "metrics.jsonl"
    for line in path.read_text().splitlines() if path.exists() else []:
        blob = json.loads(line)
        for definition in blob["_aws"]["CloudWatchMetrics"]:
            for metric in definition["Metrics"]:
                values = blob[metric["Name"]]
                totals[metric["Name"]] += sum(values) if isinstance(values, list) else values
    return totals


def test_money_events_become_metrics(shop: Shop) -> None:
    before = published(shop.stack)
    seller = shop.user("seller")
    product = shop.product(seller, shop.store(seller), stock=10, price=12_000)
    buyer = shop.user("buyer")
    shop.put(buyer, product, 2)
    made = shop.checkout(buyer).json()
    shop.pay(buyer, made["checkout_id"], outcome="declined")
    shop.wait(lambda: published(shop.stack)[metrics.PAYMENTS_FAILED] > before[metrics.PAYMENTS_FAILED])
    order_id = made["orders"][0]["order_id"]
    shop.pay(buyer, made["checkout_id"])
    shop.wait_status(buyer, order_id, "paid")
    assert shop.call("POST", f"/v1/orders/{order_id}/cancel", buyer, {"reason": "salah"}).status_code == 200
    shop.wait(lambda: (shop.order(buyer, order_id)["refund"] or {}).get("status") == "succeeded")
    shop.run_schedule("heartbeat")
    shop.stack.drain()
    after = published(shop.stack)
    change = {name: after[name] - before[name] for name in after}
    assert change[metrics.ORDERS_PLACED] == 1
    assert change[metrics.ORDERS_PAID] == 1
    assert change[metrics.GMV] == 24_000
    assert change[metrics.PAYMENTS_FAILED] == 1
    assert change[metrics.REFUNDS] == 1 and change[metrics.REFUNDED] == 24_000
    assert metrics.DEAD_LETTERS in after  # published even when every dead-letter queue is empty


def test_one_correlation_id_follows_a_purchase_and_logs_hold_no_personal_data(shop: Shop) -> None:
    shop.clock(daytime_offset())  # so the notifications worker emails now rather than in the morning
    try:
        person = nip()
        email, phone = f"asn.{shop.tag}@surabaya.go.id", "081234567890"
        row = {"nip": person, "name": "Dewi", "department": f"Dinas {shop.tag}", "grade": "III/a"}
        uploaded = shop.call(
            "POST", "/v1/admin/asn", shop.admin, {"rows": [{**row, "email": email, "phone_number": phone}]}
        )
        assert uploaded.status_code == 200, uploaded.text
        asn = shop.stack.headers(f"asn-{shop.tag}", ["buyer"], nip=person)
        seller = shop.user("seller")
        product = shop.product(seller, shop.store(seller), stock=5, price=20_000)
        shop.put(asn, product, 1)
        made = shop.checkout(asn).json()
        order_id = made["orders"][0]["order_id"]
        shop.pay(asn, made["checkout_id"])
        shop.wait_status(asn, order_id, "paid")
        trace = f"trace-{uuid.uuid4().hex}"
        accepted = shop.call("POST", f"/v1/orders/{order_id}/accept", seller, X_Correlation_Id=trace)
        assert accepted.status_code == 200 and accepted.headers["X-Correlation-Id"] == trace
        shop.stack.drain()
    finally:
        shop.clock(0)
    log = (shop.stack.state_dir / "stack.log").read_text()
    traced = [json.loads(line) for line in log.splitlines() if trace in line and line.startswith("{")]
    # The seller's request queued an order event; its worker queued the buyer's notification;
    # the notifications worker logs the inbox entry under the request's correlation id.
    assert {(e["message"], e.get("kind")) for e in traced} >= {("inbox entry", "order_accepted")}
    assert all(entry["correlation_id"] == trace for entry in traced)
    for secret in (person, email, phone):
        assert secret not in log
