"""The order-events worker's writes for a paid ASN order (issue 18: nothing written twice, nothing no reader needs).

- the risk rules' counter of the ASN's month at the store rides the transaction of the
  turnover ledger entry (no `risk:` ledger entry, no transaction of its own);
- the ASN's whole month is the spending item (no `spend#<nip>#<month>#*` counter): the rules'
  late amount is ADDed in the spending ledger's own update;
- a redelivered event counts nothing again; a refund takes both back.
"""

from __future__ import annotations

import uuid
from typing import Any

from chalice.test import Client

from chalicelib import ledger
from chalicelib.dynamo import get_or_none
from chalicelib.messages import OrderEvent
from chalicelib.orders import events
from chalicelib.orders.tables import OrderRecord
from chalicelib.risk import tables as risk_tables
from chalicelib.spending.tables import AsnRecord, SpendingRecord
from tests.helpers import CallCounter
from tests.integration.catalog_helpers import Catalog

MONTH = "2026-11"
PAID_AT = "2026-11-30T03:00:00Z"  # 10:00 in Surabaya on the month's last day: within quota_rush_days


def test_a_paid_asn_order_counts_the_rules_in_the_turnover_transaction(client: Client, aws: dict[str, Any]) -> None:
    catalog = Catalog(client, aws["key_path"])
    store = catalog.store(catalog.seller())
    nip = f"19{uuid.uuid4().int % 10**16:016d}"
    AsnRecord(nip, name="Sari", department="Dinas Uji", grade="III/a").save()
    order_id = f"risk-tx-{uuid.uuid4().hex[:12]}"
    OrderRecord(
        order_id,
        checkout_id="c-1",
        buyer_id=f"buyer-{uuid.uuid4().hex[:8]}",
        buyer_nip=nip,
        store_id=store["store_id"],
        store_name=store["name"],
        status="paid",
        lines=[{"product_id": "p-1", "name": "Beras", "category": "sembako", "unit_price_idr": 10_000, "quantity": 1}],
        total_idr=10_000,
        fulfillment={"method": "pickup"},
        payment_intent_id="pi_1",
        history=[{"status": "paid", "at": PAID_AT}],
        created_at=PAID_AT,
        updated_at=PAID_AT,
        expires_at=PAID_AT,
        paid_at=PAID_AT,
        paid_month=MONTH,
    ).save()
    order = OrderRecord.get(order_id)
    event = OrderEvent(
        order_id=order_id,
        event="paid",
        store_id=order.store_id,
        buyer_id=order.buyer_id,
        amount_idr=10_000,
        month=MONTH,
        buyer_nip=nip,
        sent_at=PAID_AT,
    )

    def figures() -> tuple[Any, ...]:
        whole = SpendingRecord.get(nip, MONTH)
        at_store = risk_tables.counter(nip, MONTH, order.store_id)
        assert at_store is not None
        return (
            int(whole.spent_idr),
            int(whole.orders),
            int(whole.late_spent_idr or 0),
            int(at_store.spent_idr),
            int(at_store.orders),
            int(at_store.late_spent_idr),
            int(at_store.late_orders),
        )

    with CallCounter() as counter:
        events.handle(event)
    # one transaction for turnover, spending, sales and the rules' counter; one for the settlement
    assert counter.calls.count("TransactWriteItems") == 2, counter.calls
    assert figures() == (10_000, 1, 10_000, 10_000, 1, 10_000, 1)
    assert not ledger.exists(f"risk:{order_id}")
    assert get_or_none(risk_tables.CounterRecord, risk_tables.counter_key(nip, MONTH, "*")) is None

    events.handle(event)  # SQS may deliver it again
    assert figures() == (10_000, 1, 10_000, 10_000, 1, 10_000, 1)

    events.handle(OrderEvent(**{**event.__dict__, "event": "refunded"}))
    assert figures() == (0, 0, 0, 0, 0, 0, 0)
