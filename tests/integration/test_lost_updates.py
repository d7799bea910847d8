"""No writer overwrites what another writer owns, however their reads and writes interleave.

Each test forces the bad interleaving (tests/integration/interleave.py): right after the
writer under test reads the item, a competing writer commits (a checkout takes stock, a
cancel returns it, a payment adds turnover, an ASN signs in, another admin saves). Every
competing write must survive the writer's own write.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from chalice.test import Client
from pynamodb.transactions import TransactWrite

from chalicelib.auth import Principal
from chalicelib.catalog import inventory, stores
from chalicelib.catalog.tables import ProductRecord, StoreRecord
from chalicelib.config_rows import JsonRow
from chalicelib.dynamo import connection
from chalicelib.ids import jakarta_month, utcnow
from chalicelib.settings import service as settings
from chalicelib.spending import roster
from chalicelib.spending import service as spending
from chalicelib.spending.tables import AsnRecord, SpendingRecord
from tests.integration.catalog_helpers import Catalog
from tests.integration.interleave import after_reads

STOCK = 10


@pytest.fixture()
def cat(client: Client, aws: dict[str, Any]) -> Catalog:
    return Catalog(client, aws["key_path"])


def _stock_moves(product: dict[str, Any], quantity: int) -> Callable[[], None]:
    """A checkout taking (quantity > 0) or a cancel returning (< 0) stock, as their transactions do."""
    line = inventory.Line(product["product_id"], abs(quantity), int(product["price_idr"]))

    def move() -> None:
        with TransactWrite(connection=connection()) as tx:
            if quantity > 0:
                inventory.reserve(tx, [line], "race-buyer")
            else:
                inventory.give_back(tx, [line])

    return move


def _stock(cat: Catalog, product: dict[str, Any], seller: dict[str, str]) -> int:
    return int(cat.call("GET", f"/v1/products/{product['product_id']}", seller).json_body["stock"])


def _shop(cat: Catalog) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    seller = cat.seller()
    store = cat.store(seller)
    product = cat.product(seller, store["store_id"], name=f"Kacang {uuid.uuid4().hex[:6]}", stock=STOCK)
    return seller, store, product


def test_a_seller_edit_keeps_the_stock_checkouts_took_meanwhile(cat: Catalog) -> None:
    seller, _, product = _shop(cat)
    with after_reads(ProductRecord, product["product_id"], _stock_moves(product, 3)) as race:
        edited = cat.call("PATCH", f"/v1/products/{product['product_id']}", seller, {"description": "pulen"})
    assert edited.status_code == 200, edited.json_body
    assert race.fired >= 1
    assert _stock(cat, product, seller) == STOCK - 3 * race.fired


def test_a_withdrawal_keeps_the_stock_cancels_returned_meanwhile(cat: Catalog) -> None:
    seller, _, product = _shop(cat)
    with after_reads(ProductRecord, product["product_id"], _stock_moves(product, -2)) as race:
        assert cat.call("DELETE", f"/v1/products/{product['product_id']}", seller).status_code == 204
    assert race.fired >= 1
    assert _stock(cat, product, seller) == STOCK + 2 * race.fired


def test_closing_and_reopening_a_store_keeps_the_stock(cat: Catalog) -> None:
    seller, store, product = _shop(cat)
    with after_reads(ProductRecord, product["product_id"], _stock_moves(product, 3)) as race:
        closed = cat.call("PATCH", f"/v1/stores/{store['store_id']}", seller, {"open": False})
    assert closed.status_code == 200 and race.fired >= 1
    taken = 3 * race.fired
    with after_reads(ProductRecord, product["product_id"], _stock_moves(product, -1)) as race:
        assert cat.call("PATCH", f"/v1/stores/{store['store_id']}", seller, {"open": True}).status_code == 200
    assert race.fired >= 1
    assert _stock(cat, product, seller) == STOCK - taken + race.fired


def test_curation_keeps_the_stock(cat: Catalog) -> None:
    seller, store, product = _shop(cat)
    sid = store["store_id"]
    with after_reads(ProductRecord, product["product_id"], _stock_moves(product, 2)) as race:
        suspended = cat.call("POST", f"/v1/admin/stores/{sid}/suspend", cat.admin, {"reason": "complaints"})
    assert suspended.status_code == 200 and race.fired >= 1
    taken = 2 * race.fired
    with after_reads(ProductRecord, product["product_id"], _stock_moves(product, -1)) as race:  # cancels return
        assert cat.call("POST", f"/v1/admin/stores/{sid}/approve", cat.admin).status_code == 200
    assert race.fired >= 1
    assert _stock(cat, product, seller) == STOCK - taken + race.fired


def test_a_reference_price_change_keeps_the_stock(cat: Catalog) -> None:
    sku = f"beras_{uuid.uuid4().hex[:8]}"
    body = {"name": "Beras medium", "unit": "kg", "max_price_idr": 90_000}
    assert cat.call("PUT", f"/v1/admin/reference-prices/{sku}", cat.admin, body).status_code == 200
    seller = cat.seller()
    store = cat.store(seller)
    product = cat.product(seller, store["store_id"], reference_sku=sku, unit="kg", price_idr=70_000, stock=STOCK)
    lowered = {**body, "max_price_idr": 60_000}
    with after_reads(ProductRecord, product["product_id"], _stock_moves(product, -4)) as race:
        changed = cat.call("PUT", f"/v1/admin/reference-prices/{sku}", cat.admin, lowered)
    assert changed.status_code == 200 and changed.json_body["listings_changed"] == 1
    assert race.fired >= 1
    assert _stock(cat, product, seller) == STOCK + 4 * race.fired


def test_the_turnover_cap_refresh_keeps_the_stock(cat: Catalog) -> None:
    seller, store, product = _shop(cat)
    past_the_cap = settings.current(fresh=True)["turnover_cap_idr"]
    with after_reads(ProductRecord, product["product_id"], _stock_moves(product, 1)) as race:
        _payments(store["store_id"], past_the_cap)()  # the order-events worker hides the capped store's products
    assert race.fired >= 1
    assert cat.call("GET", f"/v1/products/{product['product_id']}", seller).json_body["available"] is False
    assert _stock(cat, product, seller) == STOCK - race.fired


def _payments(store_id: str, amount_idr: int) -> Callable[[], object]:
    """A payment's turnover, counted as the order-events worker counts it."""
    month = jakarta_month(utcnow())
    return lambda: stores.record_turnover(store_id, month, amount_idr, f"turnover:race-{uuid.uuid4().hex}")


def _turnover(cat: Catalog, store: dict[str, Any], seller: dict[str, str]) -> int:
    return int(cat.call("GET", f"/v1/stores/{store['store_id']}", seller).json_body["turnover_month_idr"])


@pytest.mark.parametrize(
    "change",
    [{"name": "Toko Baru"}, {"open": False}, {"phone_number": "081299998888"}],
    ids=["rename", "close", "phone"],
)
def test_a_store_edit_keeps_the_turnover_paid_meanwhile(cat: Catalog, change: dict[str, Any]) -> None:
    seller, store, _ = _shop(cat)
    with after_reads(StoreRecord, store["store_id"], _payments(store["store_id"], 25_000)) as race:
        edited = cat.call("PATCH", f"/v1/stores/{store['store_id']}", seller, change)
    assert edited.status_code == 200, edited.json_body
    assert race.fired >= 1
    assert _turnover(cat, store, seller) == 25_000 * race.fired


def test_curation_keeps_the_turnover_paid_meanwhile(cat: Catalog) -> None:
    seller, store, _ = _shop(cat)
    sid = store["store_id"]
    with after_reads(StoreRecord, sid, _payments(sid, 40_000)) as race:
        assert cat.call("POST", f"/v1/admin/stores/{sid}/suspend", cat.admin, {"reason": "audit"}).status_code == 200
        assert cat.call("POST", f"/v1/admin/stores/{sid}/approve", cat.admin).status_code == 200
        stores.refresh(sid)
    assert race.fired >= 3
    assert _turnover(cat, store, seller) == 40_000 * race.fired


def _nip() -> str:
    return "19" + str(uuid.uuid4().int)[:16]


def test_a_roster_upload_keeps_the_link_an_asn_made_meanwhile(cat: Catalog) -> None:
    nip = _nip()
    row = {"nip": nip, "name": "Siti", "department": "Dinas Race", "grade": "III/a"}
    assert cat.call("POST", "/v1/admin/asn", cat.admin, {"rows": [row]}).status_code == 200
    user_id = f"asn-{uuid.uuid4().hex[:8]}"
    sign_in = lambda: roster.of(Principal(user_id, ("buyer",), nip=nip))  # noqa: E731 - GET /v1/me links the row
    with after_reads(AsnRecord, nip, sign_in) as race:
        again = cat.call("POST", "/v1/admin/asn", cat.admin, {"rows": [{**row, "grade": "III/b"}]})
    assert again.status_code == 200 and race.fired >= 1
    saved = AsnRecord.get(nip, consistent_read=True)
    assert (saved.grade, saved.user_id) == ("III/b", user_id)


def test_two_admins_changing_different_settings_keep_both() -> None:
    before = settings.current(fresh=True)
    other = lambda: settings.change(settings.SettingsChange(payment_timeout_minutes=45))  # noqa: E731
    try:
        with after_reads(JsonRow, "settings", other, times=1) as race:
            settings.change(settings.SettingsChange(auto_complete_days=5))
        assert race.fired >= 1
        saved = settings.current(fresh=True)
        assert (saved["auto_complete_days"], saved["payment_timeout_minutes"]) == (5, 45)
    finally:
        restore = {k: before[k] for k in ("auto_complete_days", "payment_timeout_minutes")}
        settings.change(settings.SettingsChange(**restore))


def test_a_compliance_recount_keeps_a_payment_counted_meanwhile(cat: Catalog) -> None:
    nip, department = _nip(), f"Dinas Recount {uuid.uuid4().hex[:6]}"
    row = {"nip": nip, "name": "Budi", "department": department, "grade": "III/a"}
    assert cat.call("POST", "/v1/admin/asn", cat.admin, {"rows": [row]}).status_code == 200
    month = jakarta_month(utcnow())
    quota = spending.policy().quota("III/a")
    pay = lambda: spending.record(nip, month, quota, 1, f"spend:race-{uuid.uuid4().hex}")  # noqa: E731
    with after_reads(SpendingRecord, nip, pay) as race:
        spending.recount(month)
    assert race.fired == 1
    assert int(SpendingRecord.get(nip, month, consistent_read=True).compliant) == 1
    report = cat.call("GET", f"/v1/admin/compliance?month={month}&department={department}", cat.admin).json_body
    assert report["departments"] == [
        {"department": department, "asn_count": 1, "compliant_count": 1, "spent_idr": quota}
    ]


def test_a_paid_order_counts_turnover_spending_and_sales_in_one_transaction_once(
    cat: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: one transaction and one ledger entry for the three counters; a race re-reads all three."""
    from types import SimpleNamespace

    from chalicelib.messages import OrderEvent
    from chalicelib.orders import events
    from chalicelib.reports import tables as counters
    from tests.helpers import CallCounter

    _, store, _ = _shop(cat)
    sid, nip, department = store["store_id"], _nip(), f"Dinas Satu {uuid.uuid4().hex[:6]}"
    row = {"nip": nip, "name": "Rina", "department": department, "grade": "III/a"}
    assert cat.call("POST", "/v1/admin/asn", cat.admin, {"rows": [row]}).status_code == 200
    month, order_id = jakarta_month(utcnow()), f"o-{uuid.uuid4().hex}"
    lines = [{"category": f"cat-{order_id}", "unit_price_idr": 30_000, "quantity": 1}]
    paid = SimpleNamespace(order_id=order_id, store_id=sid, total_idr=30_000, paid_at=utcnow().isoformat(), lines=lines)
    monkeypatch.setattr("chalicelib.orders.tables.order", lambda _: paid)
    monkeypatch.setattr("chalicelib.settlement.service.record_earning", lambda _: True)  # its own transaction
    monkeypatch.setattr("chalicelib.risk.pipeline.observe", lambda *_: None)  # its own transaction
    message = OrderEvent(order_id=order_id, event="paid", store_id=sid, amount_idr=30_000, month=month, buyer_nip=nip)
    # Another payment of the same ASN lands right after the count read their month: the count's
    # transaction is refused by its guard and retried with all three read again.
    other = lambda: spending.record(nip, month, 5_000, 1, f"spend:race-{uuid.uuid4().hex}")  # noqa: E731
    with after_reads(SpendingRecord, nip, other, times=1) as race, CallCounter() as counter:
        events._count(message, 1)
        events._count(message, 1)  # a redelivery counts nothing again
    assert race.fired == 1
    # the competing payment, the refused count, the count, the redelivery (refused by the ledger entry)
    assert counter.calls.count("TransactWriteItems") == 4, " ".join(counter.calls)
    assert int(StoreRecord.get(sid, consistent_read=True).turnover_idr) == 30_000
    assert int(SpendingRecord.get(nip, month, consistent_read=True).spent_idr) == 35_000
    day = counters.rows("sales#category", "0000", "9999")
    assert sum(int(r.gmv_idr) for r in day if r.sk.endswith(f"#cat-{order_id}")) == 30_000
