"""Staff screens beyond the story: reasons and notes are asked in an accessible dialog (never the
browser's prompt), the sign-in picker shows the seed's demo identities, labels are translated in both
languages, and an export is polled until its download link appears.

Cost: a store application and an export arranged or made over HTTP; four pages.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Dialog, Page, expect

from tests.web.conftest import Api
from tests.web.pages import settled, sign_in_demo


def test_the_picker_offers_the_seeds_demo_identities(api: Api, phone: Page) -> None:
    identities = api.call("GET", "/config.json").json()["demo_identities"]
    assert {i["role"] for i in identities} == {"asn", "buyer", "seller", "admin", "finance"}
    phone.goto("/signin")
    picker = phone.get_by_role("region", name="Demo — hanya lokal")
    for identity in identities:
        expect(picker.get_by_role("button", name=identity["name"])).to_be_visible()
    finance = next(i for i in identities if i["role"] == "finance")
    picker.get_by_role("button", name=f"{finance['name']} (keuangan)").click()
    expect(phone).to_have_url(re.compile(r"/finance$"))
    expect(phone.get_by_text(f"Masuk sebagai {finance['name']}")).to_be_visible()
    expect(phone.get_by_role("heading", level=1, name="Batch pencairan")).to_be_visible()


def test_a_store_is_rejected_with_a_reason_asked_in_a_dialog(
    api: Api, desktop: Page, axe: Callable[[Page], list[dict[str, Any]]]
) -> None:
    name = f"Toko Ditolak {uuid.uuid4().hex[:6]}"
    seller = api.token(f"web-reject-{uuid.uuid4().hex[:8]}", ["seller"])
    application = {
        "name": name,
        "kind": "umkm",
        "kecamatan": "Gubeng",
        "kelurahan": "Airlangga",
        "address": "Jl. Uji 1",
        "phone_number": "081234567890",
    }
    store_id = api.call("POST", "/v1/stores", seller, application).json()["store_id"]
    prompts: list[str] = []

    def browser_dialog(dialog: Dialog) -> None:
        prompts.append(dialog.type)
        dialog.dismiss()

    desktop.on("dialog", browser_dialog)
    sign_in_demo(desktop, "admin")
    desktop.goto("/admin/stores")
    settled(desktop)
    card = desktop.get_by_role("listitem").filter(has_text=name)
    card.get_by_role("button", name=f"Tolak {name}").click()
    dialog = desktop.get_by_role("dialog", name=f"Tolak: {name}")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Alasan")).to_be_focused()  # the modal takes focus
    assert axe(desktop) == []
    desktop.keyboard.press("Escape")  # cancelled: nothing sent
    expect(dialog).to_have_count(0)
    expect(card.get_by_role("button", name=f"Tolak {name}")).to_be_focused()  # focus goes back
    card.get_by_role("button", name=f"Tolak {name}").click()
    dialog.get_by_label("Alasan").fill("Alamat tidak ditemukan saat survei.")
    dialog.get_by_role("button", name="Tolak").click()
    expect(card).to_have_count(0)
    store = api.call("GET", f"/v1/stores/{store_id}", seller).json()
    assert (store["status"], store["reason"]) == ("rejected", "Alamat tidak ditemukan saat survei.")
    assert prompts == []  # never window.prompt / confirm


def test_risk_and_export_labels_are_translated_in_both_languages(desktop: Page) -> None:
    sign_in_demo(desktop, "admin")
    desktop.goto("/admin/risk")
    settled(desktop)
    status = desktop.get_by_label("Status")
    expect(status.locator("option")).to_have_text(["Terbuka", "Diabaikan", "Dikonfirmasi"])
    desktop.goto("/admin/exports")
    expect(desktop.get_by_label("Jenis ekspor").locator("option").first).to_have_text(
        "Kepatuhan ASN (untuk penggajian)"
    )
    desktop.get_by_role("button", name="Switch to English").click()
    expect(desktop.get_by_label("Export kind").locator("option").first).to_have_text("ASN compliance (for payroll)")
    desktop.goto("/admin/risk")
    expect(desktop.get_by_label("Status").locator("option")).to_have_text(["Open", "Dismissed", "Confirmed"])


def test_an_export_is_polled_until_its_download_link_appears(desktop: Page) -> None:
    sign_in_demo(desktop, "admin")
    desktop.goto("/admin/exports")
    settled(desktop)
    desktop.get_by_label("Jenis ekspor").select_option(label="Kepatuhan ASN (untuk penggajian)")
    desktop.get_by_role("button", name="Buat ekspor").click()
    made = desktop.get_by_role("listitem").filter(has_text="Kepatuhan ASN")
    expect(made.get_by_text("Selesai")).to_be_visible(timeout=60_000)  # no click: the page polls
    link = made.get_by_role("link", name="Unduh Kepatuhan ASN (untuk penggajian)")
    expect(link).to_have_attribute("href", re.compile(r"^https?://"))
