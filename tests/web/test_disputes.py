"""Disputes in the browser: the buyer opens one from the order page with a photo posted straight to the
bucket, and talks in it; the seller finds it in the store's list and contests it, and sees it on the
order page; the buyer finds it on the order page from another device (the order names its disputes).

Cost: one order arranged over HTTP (about 2 s: payment and its events), three pages.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from playwright.sync_api import FilePayload, Page, expect

from tests.e2e.test_uploads import png
from tests.web.conftest import Api
from tests.web.pages import settled, sign_in_as, sign_in_demo

SELLER = "demo-seller"  # infra/local/seed.py: Toko Sri Rejeki


def _ready_order(api: Api, buyer_id: str) -> tuple[str, str]:
    """A ready order of one product of the demo seller's store, bought by `buyer_id`: (order id, store id)."""
    buyer = api.token(buyer_id, ["buyer"], name="Uji Keluhan")
    product: dict[str, Any] = api.call("GET", "/v1/products?q=gula").json()["items"][0]
    api.call("PUT", f"/v1/cart/items/{product['product_id']}", buyer, {"quantity": 2})
    checkout = api.call(
        "POST", "/v1/checkout", buyer, {"fulfillment": {"method": "pickup"}}, headers={"Idempotency-Key": buyer_id}
    ).json()
    api.call("POST", f"/v1/dev/checkouts/{checkout['checkout_id']}/pay", buyer, {"outcome": "succeeded"})
    api.drain()
    order_id = str(checkout["orders"][0]["order_id"])
    seller = api.token(SELLER, ["seller"])
    for step in ("accept", "ready"):
        api.call("POST", f"/v1/orders/{order_id}/{step}", seller, {})
    return order_id, str(product["store_id"])


def _photo() -> FilePayload:
    return {"name": "telur-pecah.png", "mimeType": "image/png", "buffer": png(40, 30)}


def test_a_buyer_disputes_an_order_with_a_photo_and_the_seller_contests_it(
    api: Api, phone: Page, desktop: Page, other_device: Page, axe: Callable[[Page], list[dict[str, Any]]]
) -> None:
    buyer_id = f"web-dispute-{uuid.uuid4().hex[:8]}"
    order_id, store_id = _ready_order(api, buyer_id)

    sign_in_as(phone, buyer_id, "Uji Keluhan", ("buyer",))
    phone.goto(f"/orders/{order_id}")
    settled(phone)
    phone.get_by_role("button", name="Laporkan masalah").click()
    phone.get_by_label("Jenis masalah").select_option(label="Barang rusak")
    phone.get_by_label("Ceritakan masalahnya").fill("Dua bungkus gula sobek.")
    expect(phone.get_by_label("Jumlah bermasalah: Gula Pasir 1 kg")).to_have_value("2")  # one line: all of it
    phone.get_by_label("Foto bukti (JPEG atau PNG, maks. 5 MB)").set_input_files(files=_photo())
    assert axe(phone) == []
    phone.get_by_role("button", name="Kirim keluhan").click()

    thread = phone.get_by_role("region", name="Keluhan pesanan")
    expect(thread.get_by_text("Terbuka", exact=True)).to_be_visible()
    expect(thread.get_by_text("Barang rusak")).to_be_visible()
    evidence = thread.get_by_role("img", name="Foto bukti 1")
    expect(evidence).to_be_visible()
    phone.wait_for_function("img => img.complete && img.naturalWidth === 40", arg=evidence.element_handle())
    thread.get_by_label("Tulis pesan").fill("Fotonya saya lampirkan.")
    thread.get_by_role("button", name="Kirim", exact=True).click()
    expect(thread.get_by_text("Fotonya saya lampirkan.")).to_be_visible()
    assert axe(phone) == []

    sign_in_demo(desktop, "seller")
    desktop.goto(f"/seller/stores/{store_id}/disputes")
    settled(desktop)
    desktop.get_by_role("link", name="Komplain pembeli").first.wait_for()
    case = desktop.get_by_role("listitem").filter(has_text="Dua bungkus gula sobek.")
    expect(case.get_by_text("Terbuka", exact=True)).to_be_visible()
    case.get_by_role("link", name="Barang rusak").click()
    settled(desktop)
    expect(desktop.get_by_text("Fotonya saya lampirkan.")).to_be_visible()
    assert axe(desktop) == []
    desktop.get_by_label("Alasan bantahan").fill("Gula dikemas utuh saat diambil.")
    desktop.get_by_role("button", name="Bantah").click()
    expect(desktop.get_by_text("Dibantah", exact=True).first).to_be_visible()
    desktop.goto(f"/seller/stores/{store_id}/disputes")
    desktop.get_by_label("Status").select_option(label="Terbuka")
    expect(desktop.get_by_role("listitem").filter(has_text="Dua bungkus gula sobek.")).to_have_count(0)
    desktop.get_by_label("Status").select_option(label="Dibantah")
    expect(desktop.get_by_role("listitem").filter(has_text="Dua bungkus gula sobek.")).to_have_count(1)

    phone.reload()  # the order page finds its dispute again, with the seller's move
    expect(phone.get_by_role("region", name="Keluhan pesanan").get_by_text("Dibantah", exact=True)).to_be_visible()
    expect(phone.get_by_role("button", name="Laporkan masalah")).to_have_count(0)

    desktop.goto(f"/orders/{order_id}")  # the seller's view of the order names its dispute too
    settled(desktop)
    seen = desktop.get_by_role("region", name="Keluhan pesanan")
    expect(seen.get_by_text("Dibantah", exact=True)).to_be_visible()
    expect(seen.get_by_text("Fotonya saya lampirkan.")).to_be_visible()
    page_link = desktop.get_by_role("link", name="Buka halaman keluhan")
    expect(page_link).to_have_attribute("href", re.compile("^/disputes/"))
    expect(desktop.get_by_role("button", name="Laporkan masalah")).to_have_count(0)

    sign_in_as(other_device, buyer_id, "Uji Keluhan", ("buyer",))  # another device: nothing remembered there
    other_device.goto(f"/orders/{order_id}")
    settled(other_device)
    found = other_device.get_by_role("region", name="Keluhan pesanan")
    expect(found.get_by_text("Dibantah", exact=True)).to_be_visible()
    expect(found.get_by_text("Dua bungkus gula sobek.")).to_be_visible()
    expect(found.get_by_text("Fotonya saya lampirkan.")).to_be_visible()
    expect(other_device.get_by_role("button", name="Laporkan masalah")).to_have_count(0)
    assert axe(other_device) == []
