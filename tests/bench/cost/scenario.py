"""The scenario: what the cost model measures, run against the real app on the emulator.

`CostScenario` holds the app in-process (prepared by `infra.local.prepare`, as the local
stack is), localstripe and the meter. `measure` walks the orders of the brief (browse, cart,
checkout, Stripe's webhook, accept, ready, complete; every queue drained after each step, one
message per invocation; the delayed expiry message delivered twice), with the "typical
reads" beside them under their own labels, then runs the daily reminder job on a seeded
roster (a stage's first day, a later day, a day before any stage) and every other schedule
once; last, the settlement path (`measure_settlement`: the hold passes, the release job, one
payout day, the sellers' reads), under its own labels. Setup work (stores, products, the
roster, the buyer's own payment, payout accounts and their verification, the seeded extra
stores of the payout batch) is not counted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from infra.local.prepare import ACCOUNT, REGION
from tests.bench.cost.arithmetic import Usage, runs_per_month
from tests.bench.cost.meter import Meter
from tests.bench.cost.prices import LAGGARD_SHARE, SMS_OPT_IN

CORE = "core"  # the order path: the requests of the target and the workers they set off
TYPICAL = "typical reads"  # priced beside the target, not in it
SETTLEMENT = "settlement"  # release, payout run, approval, bank file and results: beside the target
SETTLEMENT_READS = "settlement reads"  # balance, statement, money report: beside it too
DISPUTES = "disputes"  # a dispute's requests and the refund they set off: beside the target, per dispute
EXTRA_PAYOUT_STORES = 97  # seeded beside the scenario's 3 stores, so the measured batch has 100 payouts

KECAMATAN = (("Gubeng", "Airlangga"), ("Genteng", "Ketabang"), ("Tegalsari", "Kedungdoro"))


class CostScenario:
    """The app in-process on a prepared emulator, its queues and schedules, a Stripe stand-in and the meter.

    Requests go through Chalice's test client, each metered as one API Gateway request and one
    invocation of the API function; queues are drained by the local pump's code, each batch
    one invocation of its worker; schedules fire as EventBridge fires them.
    """

    def __init__(self, state: Path) -> None:
        from chalice.test import Client

        from infra.local.emulator import Emulator
        from infra.local.prepare import prepare
        from infra.local.stripe_local import LocalStripe

        self.emulator = Emulator().start()
        self.stripe = LocalStripe(state).start()
        prepared = prepare(state, self.emulator.url, stripe=self.stripe)  # as the local stack, without seed data
        self.queue_urls: dict[str, str] = prepared.queues
        import boto3  # the app and its clients read the environment prepare wrote: import them after it

        import app
        from infra.local.stack import consumers_of, schedules_of
        from tests.helpers import load_key

        self.app = app
        self.client = Client(app.app, stage_name="local")
        self.key = load_key(prepared.key_path)
        self.consumers = {c.name: c for c in consumers_of(app)}
        self.schedules = {s.name: s for s in schedules_of(app)}
        self.sqs: Any = boto3.client("sqs", region_name=REGION)
        self.arns = {
            name: self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            for name, url in self.queue_urls.items()
        }
        self.meter = Meter()

    def stop(self) -> None:
        """Stop Stripe and the emulator."""
        self.stripe.stop()
        self.emulator.stop()

    def headers(self, user: str, group: str, nip: str | None = None) -> dict[str, str]:
        """Return a signed-in caller's headers."""
        from tests.helpers import sign

        claims: dict[str, Any] = {"cognito:groups": [group]}
        if nip:
            claims["custom:nip"] = nip
        return {"Authorization": f"Bearer {sign(self.key, sub=user, **claims)}", "Content-Type": "application/json"}

    def api(self, label: str, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
        """Make one API request as one API Gateway request and one invocation of the API Lambda."""
        raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        if label == "setup":
            with self.meter.pause():
                response = self.client.http.request(method, path, headers=headers, body=raw)
        else:
            with self.meter.invocation(label, "api_handler", api=True):
                response = self.client.http.request(method, path, headers=headers, body=raw)
        assert response.status_code < 300, (label, response.status_code, response.body[:300])
        if "json" not in str(response.headers.get("Content-Type", "application/json")):
            return response.body.decode()  # text/csv: the bank file, a statement
        return response.json_body

    def webhook(self, label: str, event_type: str, payment_intent_id: str) -> None:
        """Deliver a Stripe event signed as Stripe signs it."""
        import hashlib
        import hmac

        now = int(time.time())
        payload = json.dumps(
            {
                "id": f"evt_{event_type}_{payment_intent_id}",
                "object": "event",
                "type": event_type,
                "created": now,
                "data": {"object": {"id": payment_intent_id, "object": "payment_intent"}},
            }
        ).encode()
        secret = self.stripe.webhook_secret.encode()
        signature = hmac.new(secret, f"{now}.".encode() + payload, hashlib.sha256).hexdigest()
        headers = {"Stripe-Signature": f"t={now},v1={signature}", "Content-Type": "application/json"}
        self.api(label, "POST", "/v1/webhooks/stripe", headers, payload)

    def deliver(self, batch: int = 1, suffix: str = "") -> int:
        """Run every queue's worker until no message is visible, `batch` messages per invocation."""
        from infra.local.pump import Consumer, QueuePump

        metered = [Consumer(c.name, c.queue, batch, self._metered(c, suffix)) for c in self.consumers.values()]
        pump = QueuePump(metered, REGION, retry_delay_seconds=0)
        pump.sqs = self.sqs
        total = 0
        for _ in range(50):
            got = 0
            for consumer in metered:
                while True:
                    with self.meter.attributed(f"worker {consumer.name}{suffix}"):
                        n = pump.poll_once(consumer, self.queue_urls[consumer.queue], self.arns[consumer.queue])
                    got += n
                    if not n:
                        break
            total += got
            if not got:
                return total
        raise AssertionError("queues did not drain")

    def _metered(self, consumer: Any, suffix: str) -> Callable[[dict[str, Any], Any], Any]:
        meter = self.meter

        def handler(event: dict[str, Any], context: Any) -> Any:
            with meter.invocation(f"worker {consumer.name}{suffix}", consumer.name):
                return consumer.handler(event, context)

        return handler

    def fast_forward(self, seconds: int) -> None:
        """Move the app's clock and the emulator's delayed messages on by this many seconds."""
        from moto.sqs.models import sqs_backends

        from chalicelib import ids

        ids.CLOCK_OFFSET_SECONDS[0] += seconds
        for queue in sqs_backends[ACCOUNT][REGION].queues.values():
            for message in queue._messages:
                message.delayed_until = max(0, message.delayed_until - seconds * 1000)

    def run_schedule(self, name: str, label: str | None = None, work: Callable[[], Any] | None = None) -> Any:
        """Fire one schedule as EventBridge would: one invocation of its function."""
        from infra.local.lambda_context import LocalLambdaContext

        event = {
            "version": "0",
            "id": "cost",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [],
            "detail": {},
        }
        with self.meter.invocation(label or f"schedule {name}", name):
            if work is not None:
                from chalicelib.jobs import service as jobs

                return jobs.run(name, work)
            return self.schedules[name].handler(event, LocalLambdaContext(name))


def setup(scenario: CostScenario, orders: int) -> dict[str, Any]:
    """Stores, products and a roster of buyers (not counted)."""
    admin = scenario.headers("cost-admin", "admin")
    stores = []
    for s in range(3):
        seller = scenario.headers(f"cost-seller-{s}", "seller")
        kecamatan, kelurahan = KECAMATAN[s]
        applied = scenario.api(
            "setup",
            "POST",
            "/v1/stores",
            seller,
            {
                "name": f"Toko Biaya {s}",
                "kind": "umkm",
                "kecamatan": kecamatan,
                "kelurahan": kelurahan,
                "address": "Jl. Uji 1",
                "phone_number": "081234567890",
            },
        )
        scenario.api("setup", "POST", f"/v1/admin/stores/{applied['store_id']}/approve", admin)
        products = [
            scenario.api(
                "setup",
                "POST",
                f"/v1/stores/{applied['store_id']}/products",
                seller,
                {
                    "name": f"Beras Pandan Wangi {s}-{i}",
                    "category": "sembako",
                    "unit": "kg",
                    "price_idr": 13_500 + 100 * i,
                    "stock": 1_000_000,
                },
            )["product_id"]
            for i in range(10)
        ]
        stores.append({"store_id": applied["store_id"], "seller": seller, "products": products})
    nips = [f"1985{i:014d}" for i in range(orders)]
    rows = [
        {
            "nip": nip,
            "name": f"Pembeli {i}",
            "department": "Dinas Biaya",
            "grade": "III/a",
            "email": f"pembeli{i}@surabaya.go.id",
            "phone_number": "081234500000",
        }
        for i, nip in enumerate(nips)
    ]
    for start in range(0, len(rows), 500):
        scenario.api("setup", "POST", "/v1/admin/asn", admin, {"rows": rows[start : start + 500]})
    buyers = []
    for i, nip in enumerate(nips):
        buyer = scenario.headers(f"cost-buyer-{i}", "buyer", nip)
        scenario.api("setup", "GET", "/v1/me", buyer)  # links the roster row (once per user)
        scenario.api("setup", "PUT", "/v1/me", buyer, {"kecamatan": "Gubeng", "kelurahan": "Airlangga"})
        buyers.append(buyer)
    return {"stores": stores, "buyers": buyers}


def one_order(scenario: CostScenario, i: int, world: dict[str, Any]) -> None:
    """Walk one order from the listing to completed, with the typical reads beside it."""
    store = world["stores"][i % len(world["stores"])]
    buyer, seller = world["buyers"][i], store["seller"]
    product = store["products"][i % len(store["products"])]
    scenario.api(f"{TYPICAL}: GET /v1/me", "GET", "/v1/me", buyer)
    scenario.api(f"{CORE}: GET /v1/products", "GET", "/v1/products", buyer)
    scenario.api(f"{TYPICAL}: GET /v1/products?category", "GET", "/v1/products?category=sembako", buyer)
    scenario.api(f"{TYPICAL}: GET /v1/products/{{id}}", "GET", f"/v1/products/{product}", buyer)
    scenario.api(f"{CORE}: PUT /v1/cart/items/{{id}}", "PUT", f"/v1/cart/items/{product}", buyer, {"quantity": 2})
    scenario.api(f"{TYPICAL}: GET /v1/cart", "GET", "/v1/cart", buyer)
    made = scenario.api(
        f"{CORE}: POST /v1/checkout",
        "POST",
        "/v1/checkout",
        {**buyer, "Idempotency-Key": f"cost-{i}"},
        {"fulfillment": {"method": "pickup"}},
    )
    checkout_id, intent = made["checkout_id"], made["payment"]["payment_intent_id"]
    order_id = made["orders"][0]["order_id"]
    with scenario.meter.pause():  # on AWS the buyer's app confirms the intent with Stripe directly
        scenario.api("setup", "POST", f"/v1/dev/checkouts/{checkout_id}/pay", buyer, {"outcome": "succeeded"})
    scenario.webhook(f"{CORE}: POST /v1/webhooks/stripe (succeeded)", "payment_intent.succeeded", intent)
    scenario.deliver()
    scenario.api(f"{TYPICAL}: GET /v1/checkouts/{{id}}", "GET", f"/v1/checkouts/{checkout_id}", buyer)
    scenario.api(f"{TYPICAL}: GET /v1/stores/{{id}}/orders", "GET", f"/v1/stores/{store['store_id']}/orders", seller)
    for step in ("accept", "ready", "complete"):
        body = None
        if step == "complete":  # the buyer shows the handover code their order view holds; the store types it
            shown = scenario.api(f"{TYPICAL}: GET /v1/orders/{{id}}", "GET", f"/v1/orders/{order_id}", buyer)
            body = {"handover_code": shown["handover_code"]}
        path = f"/v1/orders/{order_id}/{step}"
        moved = scenario.api(f"{CORE}: POST /v1/orders/{{id}}/{step}", "POST", path, seller, body)
        scenario.deliver()
    assert moved["status"] == "completed", moved["status"]
    world.setdefault("completed", []).append((order_id, buyer, store, product))
    scenario.api(f"{TYPICAL}: GET /v1/orders/{{id}}", "GET", f"/v1/orders/{order_id}", buyer)
    scenario.api(f"{TYPICAL}: GET /v1/me/notifications", "GET", "/v1/me/notifications", buyer)


def daytime_offset() -> float:
    """Seconds to move the app's clock to 10:00 in Surabaya today or tomorrow (reminders wait for day)."""
    local = datetime.now(UTC) + timedelta(hours=7)
    target = local.replace(hour=10, minute=0, second=0, microsecond=0)
    if target < local:
        target += timedelta(days=1)
    return (target - local).total_seconds()


def seed_roster(count: int, month: str) -> int:
    """Roster rows straight into the emulator; LAGGARD_SHARE below quota, SMS_OPT_IN with SMS on."""
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.profiles.tables import ProfileRecord
    from chalicelib.spending.tables import AsnRecord, SpendingRecord

    backend = dynamodb_backends[ACCOUNT][REGION]
    for i in range(count):
        nip, user = f"1990{i:014d}", f"cost-asn-{i}"
        records: list[Any] = [
            AsnRecord(
                nip,
                name=f"ASN {i}",
                department=f"Dinas {i % 40:02d}",
                grade="III/a",
                user_id=user,
                email=f"asn{i}@surabaya.go.id",
                phone_number="+6281234500000",
            )
        ]
        if (i % 10) / 10 >= LAGGARD_SHARE:
            records.append(SpendingRecord(nip, month, spent_idr=400_000, orders=3, compliant=1))
        if (i % 10) / 10 < SMS_OPT_IN:
            records.append(ProfileRecord(user, notify_sms=True))
        for record in records:
            backend.put_item(record.Meta.table_name, record.serialize())
    return count


def measure_reminders(scenario: CostScenario, roster: int) -> dict[str, Any]:
    """Run the reminder job on a stage's first day, a later day of it and a day before any stage."""
    from chalicelib import ids
    from chalicelib.spending import model, reminders

    now = ids.utcnow()
    month = ids.jakarta_month(now)
    stages = model.stages(month, reminders.stage_setting())
    first = stages[0].from_day
    runs = {
        "send": date.fromisoformat(f"{month}-{first:02d}"),
        "repeat": date.fromisoformat(f"{month}-{first + 1:02d}"),
        "none": date.fromisoformat(f"{month}-01"),
    }
    out: dict[str, Any] = {"month": month, "first_stage_day": first}
    for kind, day in runs.items():
        label = f"reminders {kind}"
        result = scenario.run_schedule(
            "spending_reminders",
            label,
            lambda day=day: reminders.run(month, day, now=now),  # type: ignore[misc]
        )
        out[f"{kind}_seconds"] = scenario.meter.stats[label].billed_ms / 1000
        out[f"{kind}_result"] = result
        scenario.deliver(batch=10, suffix=f" ({label})")
    out["roster"] = roster
    return out


def measure_schedules(scenario: CostScenario) -> Usage:
    """Run every other schedule once and scale it to its runs in a month."""
    from chalicelib.jobs.service import SCHEDULES

    total = Usage()
    for name, expression in SCHEDULES.items():
        if name == "spending_reminders":
            continue
        scenario.run_schedule(name)
        total = total + scenario.meter.stats[f"schedule {name}"].usage().scaled(runs_per_month(expression))
    return total


def measure(scenario: CostScenario, orders: int, roster: int) -> dict[str, Any]:
    """Walk the orders, run the month's jobs; return what the report needs beside the meter's counts."""
    from chalicelib import ids

    ids.CLOCK_OFFSET_SECONDS[0] = daytime_offset()
    scenario.meter.install()
    world = setup(scenario, orders)
    scenario.deliver(suffix=" (setup)")
    scenario.meter.forget(lambda label: label.endswith("(setup)"))
    for i in range(orders):
        one_order(scenario, i, world)
    for _ in range(2):  # the checkout's delayed expiry message: at 15 minutes, re-queued, at 30
        scenario.fast_forward(901)
        scenario.deliver()
    ids.CLOCK_OFFSET_SECONDS[0] = daytime_offset()
    with scenario.meter.pause():
        seeded = seed_roster(roster, ids.jakarta_month(ids.utcnow()))
    measured = measure_reminders(scenario, seeded + orders)
    measured["schedules"] = measure_schedules(scenario)
    measured["disputes"] = measure_disputes(scenario, world)
    measured["settlement"] = measure_settlement(scenario, world, orders)
    return measured


def measure_disputes(scenario: CostScenario, world: dict[str, Any]) -> dict[str, Any]:
    """Two disputes on completed orders, each as such a dispute goes (evidence uploads left out).

    One the seller accepts after a message: open, the seller reads it and writes, accepts (a
    partial refund: the payments worker's Stripe refund, the order-events worker's spending,
    turnover, sales and settlement effects). One the seller contests and an admin resolves with a
    partial refund from the queue. Priced per dispute, beside the target.
    """
    admin = scenario.headers("cost-admin", "admin")
    (first, buyer_a, store_a, product_a), (second, buyer_b, store_b, product_b) = world["completed"][:2]

    def opened(order_id: str, buyer: dict[str, str], product: str) -> str:
        body = {"reason": "damaged", "description": "Kemasan sobek.", "lines": [{"product_id": product, "quantity": 1}]}
        made = scenario.api(
            f"{DISPUTES}: POST /v1/orders/{{id}}/disputes", "POST", f"/v1/orders/{order_id}/disputes", buyer, body
        )
        scenario.deliver(suffix=f" ({DISPUTES})")
        return str(made["dispute_id"])

    accepted = opened(first, buyer_a, product_a)
    path = f"/v1/disputes/{accepted}"
    scenario.api(f"{DISPUTES}: GET /v1/disputes/{{id}}", "GET", path, store_a["seller"])
    scenario.api(
        f"{DISPUTES}: POST /v1/disputes/{{id}}/messages",
        "POST",
        f"{path}/messages",
        store_a["seller"],
        {"body": "Maaf."},
    )
    scenario.api(f"{DISPUTES}: POST /v1/disputes/{{id}}/accept", "POST", f"{path}/accept", store_a["seller"])
    scenario.deliver(suffix=f" ({DISPUTES})")
    contested = opened(second, buyer_b, product_b)
    path = f"/v1/disputes/{contested}"
    scenario.api(
        f"{DISPUTES}: POST /v1/disputes/{{id}}/contest",
        "POST",
        f"{path}/contest",
        store_b["seller"],
        {"reason": "Utuh."},
    )
    scenario.deliver(suffix=f" ({DISPUTES})")
    scenario.api(f"{DISPUTES}: GET /v1/admin/disputes", "GET", "/v1/admin/disputes", admin)
    decision = {"outcome": "refund", "refund_idr": 5_000, "note": "Sebagian."}
    resolved = scenario.api(
        f"{DISPUTES}: POST /v1/admin/disputes/{{id}}/resolve",
        "POST",
        f"/v1/admin/disputes/{contested}/resolve",
        admin,
        decision,
    )
    scenario.deliver(suffix=f" ({DISPUTES})")
    assert resolved["status"] == "resolved_refund", resolved
    return {"disputes": 2}


def settlement_setup(scenario: CostScenario, world: dict[str, Any]) -> dict[str, str]:
    """Each store's owner sets a bank account and finance verifies it (once per store, not counted)."""
    finance = scenario.headers("cost-finance", "finance")
    for n, store in enumerate(world["stores"]):
        account = {
            "method": "bank_transfer",
            "bank_code": "014",
            "account_number": f"12345678{n:02d}",
            "account_name": f"Toko Biaya {n}",
        }
        scenario.api("setup", "PUT", f"/v1/stores/{store['store_id']}/payout-account", store["seller"], account)
        scenario.api("setup", "POST", f"/v1/admin/stores/{store['store_id']}/payout-account/verify", finance, {})
    scenario.deliver(suffix=" (setup)")
    scenario.meter.forget(lambda label: label.endswith("(setup)"))
    return finance


def measure_settlement(scenario: CostScenario, world: dict[str, Any], orders: int) -> dict[str, Any]:
    """The settlement path of the orders: the release job, then one payout day and the sellers' reads.

    The hold passes (the clock moves on `payout_hold_days` + 1), the hourly release job makes
    the orders' money available, and the daily payout run makes a batch of the scenario's
    stores plus EXTRA_PAYOUT_STORES seeded straight into the emulator (a verified account and a
    released order each: `tests.bench.payouts`), so the batch's fixed work is shared as on a
    Surabaya day; finance approves it, takes the bank file and records every result paid. Each
    store's owner then reads the balance and the month's statement, finance the money report.
    """
    from chalicelib import ids, marketplace_settings
    from tests.bench.payouts import fund, seed_accounts

    finance = settlement_setup(scenario, world)
    hold = int(marketplace_settings.current(fresh=True)["payout_hold_days"])
    scenario.fast_forward((hold + 1) * 86400)
    released = scenario.run_schedule("release_earnings", f"{SETTLEMENT}: release job")
    scenario.deliver(suffix=f" ({SETTLEMENT})")
    now = ids.utcnow()
    with scenario.meter.pause():
        seed_accounts(0, EXTRA_PAYOUT_STORES, ids.iso(now))
        fund(0, EXTRA_PAYOUT_STORES, 1, ids.iso(now - timedelta(days=3)), ids.iso(now - timedelta(hours=1)))
    made = scenario.run_schedule("payout_run", f"{SETTLEMENT}: payout run")
    scenario.deliver(suffix=f" ({SETTLEMENT})")
    batch = f"/v1/admin/payout-batches/{made['batch_id']}"
    scenario.api(f"{SETTLEMENT}: POST /v1/admin/payout-batches/{{id}}/approve", "POST", f"{batch}/approve", finance)
    scenario.deliver(suffix=f" ({SETTLEMENT})")
    bank_file = scenario.api(f"{SETTLEMENT}: GET /v1/admin/payout-batches/{{id}}/file", "GET", f"{batch}/file", finance)
    payout_ids = [line.split(",")[0] for line in bank_file.splitlines()[1:] if line]
    assert len(payout_ids) == made["payout_count"], (len(payout_ids), made)
    for start in range(0, len(payout_ids), 500):  # MAX_RESULTS a request, as the treasury posts them
        results = [{"payout_id": p, "status": "paid", "reference": f"BCA{p}"} for p in payout_ids[start : start + 500]]
        scenario.api(
            f"{SETTLEMENT}: POST /v1/admin/payout-batches/{{id}}/results",
            "POST",
            f"{batch}/results",
            finance,
            {"results": results},
        )
        scenario.deliver(suffix=f" ({SETTLEMENT})")
    month = ids.jakarta_month(ids.utcnow())
    for store in world["stores"]:
        path, seller = f"/v1/stores/{store['store_id']}", store["seller"]
        scenario.api(f"{SETTLEMENT_READS}: GET /v1/stores/{{id}}/balance", "GET", f"{path}/balance", seller)
        scenario.api(
            f"{SETTLEMENT_READS}: GET /v1/stores/{{id}}/statement", "GET", f"{path}/statement?month={month}", seller
        )
    money = scenario.api(
        f"{SETTLEMENT_READS}: GET /v1/admin/reports/money", "GET", f"/v1/admin/reports/money?month={month}", finance
    )
    assert money["difference_idr"] == 0, money
    return {
        "orders": orders,
        "released": released.get("released"),
        "payouts": int(made["payout_count"]),
        "stores": len(world["stores"]),
        "result_requests": -(-len(payout_ids) // 500),
    }
