"""The whole story in the browser, at phone and desktop size, screenshots under build/web/.

A new seller applies, the admin approves, the seller opens pickup and lists a product; the demo ASN
buys from that store and a seeded one and pays (the local Stripe stand-in); the seller accepts, makes
ready and completes with the code the ASN's order page shows; the ASN's spending bar has moved; the
admin sees the compliance chart. Cost: about a minute per size on two shared cores.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from infra.local.seed import DEMO_ASN_NIP
from tests.web.conftest import Api
from tests.web.pages import sign_in_as, sign_in_demo

SIZES = ("phone", "desktop")


@pytest.mark.parametrize("size", SIZES)
def test_the_whole_story(
    size: str, request: pytest.FixtureRequest, screenshot: Callable[[Page, str], Path], api: Api
) -> None:
    page: Page = request.getfixturevalue(size)
    seller_id, store_name, product = f"story-seller-{size}", f"Warung Cerita {size.title()}", f"Keripik Tempe {size}"

    # A seller applies for a store.
    sign_in_as(page, seller_id, "Bu Cerita")
    page.goto("/seller/apply")
    page.get_by_label("Nama toko").fill(store_name)
    page.get_by_label("Jenis usaha").select_option("umkm")
    page.get_by_label("Kecamatan").select_option("Gubeng")
    page.get_by_label("Kelurahan").select_option("Airlangga")
    page.get_by_label("Alamat").fill("Jl. Airlangga 7")
    page.get_by_label("Nomor HP").fill("081234567001" if size == "phone" else "081234567002")
    page.get_by_role("button", name="Kirim pendaftaran").click()
    expect(page.get_by_text("Pendaftaran terkirim")).to_be_visible()
    screenshot(page, f"{size}-seller-applied")

    # The admin approves it.
    sign_in_demo(page, "admin")
    page.goto("/admin/stores")
    page.get_by_role("button", name=f"Setujui {store_name}").click()
    expect(page.get_by_role("heading", name=store_name)).to_have_count(0)

    # The seller opens pickup and lists a product.
    sign_in_as(page, seller_id, "Bu Cerita")
    page.goto("/seller")
    page.get_by_role("link", name=store_name).click()
    pickup = page.get_by_label("Melayani ambil di toko")
    if not pickup.is_checked():
        pickup.check()
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Tersimpan")).to_be_visible()
    page.get_by_role("link", name="Produk", exact=True).last.click()
    page.get_by_label("Nama produk").fill(product)
    page.get_by_label("Kategori").select_option("kuliner")
    page.get_by_label("Satuan").fill("bungkus")
    page.get_by_label("Harga (Rp)").fill("15000")
    page.get_by_label("Stok").fill("20")
    page.get_by_role("button", name="Tambah produk").click()
    expect(page.get_by_role("cell", name=f"{product} /bungkus")).to_be_visible()
    screenshot(page, f"{size}-seller-products")

    # The ASN notes this month's spending, then buys from two stores and pays (from an empty cart:
    # other tests of this stack leave things in the demo ASN's).
    api.call("DELETE", "/v1/cart", api.token("demo-asn", ["buyer"], nip=DEMO_ASN_NIP))
    sign_in_demo(page, "asn")
    page.goto("/")
    before = page.get_by_test_id("spending-text").inner_text()
    expect(page.get_by_role("progressbar")).to_be_visible()
    for words in (product, "Mie Instan Goreng"):
        page.goto("/products")
        page.get_by_label("Cari produk").fill(words)
        page.get_by_role("button", name="Cari", exact=True).click()
        page.get_by_role("link", name=words).first.click()
        page.get_by_role("button", name="Tambah ke keranjang").click()
        expect(page.get_by_text("Ditambahkan ke keranjang")).to_be_visible()
    page.goto("/cart")
    expect(page.get_by_role("region")).to_have_count(2)  # one section per store
    screenshot(page, f"{size}-cart")
    page.get_by_role("link", name="Lanjut ke pembayaran").click()
    page.get_by_label("Ambil di toko").check()
    page.get_by_role("button", name="Buat pesanan").click()
    page.get_by_role("button", name="Bayar (simulasi)").click()
    expect(page.get_by_text("Pembayaran berhasil")).to_be_visible(timeout=30_000)
    page.goto("/")
    expect(page.get_by_test_id("spending-text")).not_to_have_text(before)
    screenshot(page, f"{size}-buyer-home")

    # The seller accepts and makes the order ready.
    sign_in_as(page, seller_id, "Bu Cerita")
    page.goto("/seller")
    page.get_by_role("link", name="Antrean pesanan").first.click()
    page.get_by_role("button", name=re.compile("^Terima")).first.click()
    page.get_by_role("button", name=re.compile("^Siap diambil")).first.click()
    expect(page.get_by_label(re.compile("Kode dari pembeli"))).to_be_visible()
    queue = page.url

    # The ASN's order shows the handover code.
    sign_in_demo(page, "asn")
    page.goto("/orders")
    page.get_by_role("link", name=re.compile(store_name)).first.click()
    code = page.get_by_test_id("handover-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    screenshot(page, f"{size}-buyer-order")

    # The seller completes with the buyer's code.
    sign_in_as(page, seller_id, "Bu Cerita")
    page.goto(queue)
    page.get_by_label(re.compile("Kode dari pembeli")).first.fill(code)
    page.get_by_role("button", name="Selesaikan").first.click()
    expect(page.get_by_label(re.compile("Kode dari pembeli"))).to_have_count(0)
    expect(page.locator("li.card > p .badge", has_text="Selesai").first).to_be_visible()

    # The admin sees compliance by department as a chart (and its table).
    sign_in_demo(page, "admin")
    page.goto("/admin/compliance")
    expect(page.get_by_role("img", name="Kepatuhan per perangkat daerah")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Dinas Kominfo")).to_be_visible()
    screenshot(page, f"{size}-admin-compliance")
