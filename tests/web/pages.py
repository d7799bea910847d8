"""Steps the browser tests share: sign in through the app's demo picker, wait for a page to settle.

Everything is found by role and accessible name in Indonesian (the default language), as a user would.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

DEMO_ASN = "Budi Santoso"  # infra/local/seed.py: demo-asn, on the roster
DEMO_BUTTONS = {
    "asn": "ASN: Budi Santoso (pembeli)",
    "seller": "Penjual: Toko Sri Rejeki",
    "admin": "Admin Dinkopdag",
    "finance": "Bendahara Kota (keuangan)",
}


def sign_in_demo(page: Page, who: str) -> None:
    """Sign in as one of the picker's demo identities (a fresh session in this tab)."""
    page.goto("/signin")
    page.evaluate("sessionStorage.clear()")
    page.goto("/signin")
    page.get_by_role("button", name=DEMO_BUTTONS[who]).click()
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()


def sign_in_as(page: Page, user_id: str, name: str, groups: tuple[str, ...] = ("seller",)) -> None:
    """Sign in with the picker's free identity form (a new seller, say)."""
    page.goto("/signin")
    page.evaluate("sessionStorage.clear()")
    page.goto("/signin")
    page.get_by_label("ID pengguna").fill(user_id)
    page.get_by_label("Nama", exact=True).fill(name)
    labels = {"buyer": "Pembeli", "seller": "Penjual", "admin": "Admin", "finance": "Keuangan"}
    for group, label in labels.items():
        box = page.get_by_role("checkbox", name=label, exact=True)
        if (group in groups) != box.is_checked():
            box.click()
    page.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()


def settled(page: Page) -> None:
    """The page's one h1 is shown and nothing is still loading."""
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=re.compile("^Memuat"))).to_have_count(0)
