"""Payout accounts: where a store's money goes, who verifies it, and what a change does.

A bank account is stored apart from the store, answered masked and never logged; an admin
or finance officer verifies it. Any change resets verification, pauses payouts and tells the
owner and the admins (a redirected payout is how a taken-over login steals). A Stripe Connect
account is verified by Stripe's onboarding: locally, opening the onboarding link completes
it and the stand-in sends the signed `account.updated` webhook.
"""

from __future__ import annotations

from typing import Any

import requests

from tests.e2e.shop import Shop
from tests.helpers import error_of

MASKED = "\u2022" * 6
STRIPE_KEY = "sk_test_peken_payouts"  # the stand-in takes any sk_ key


def account_path(store_id: str) -> str:
    return f"/v1/stores/{store_id}/payout-account"


def bank(number: str, code: str = "014", name: str = "Sri Rejeki") -> dict[str, str]:
    return {"method": "bank_transfer", "bank_code": code, "account_number": number, "account_name": name}


def inbox(shop: Shop, headers: dict[str, str], admin: bool = False) -> list[dict[str, Any]]:
    return shop.every("/v1/admin/notifications" if admin else "/v1/me/notifications", headers)


def kinds_about(items: list[dict[str, Any]], text: str) -> list[str]:
    """The payout account notices among an inbox's entries whose body mentions a text."""
    return sorted(n["kind"] for n in items if n["kind"].startswith("payout_account") and text in n["body"])


def test_a_bank_account_is_masked_verified_by_finance_and_any_change_pauses_payouts_and_tells_owner_and_admins(
    shop: Shop,
) -> None:
    seller, finance = shop.user("seller"), shop.user("finance")
    store = shop.store(seller)
    first, second = f"88{shop.tag.encode().hex()[:8]}", f"77{shop.tag.encode().hex()[:10]}"
    assert shop.call("GET", account_path(store), seller).status_code == 404  # none yet

    put = shop.call("PUT", account_path(store), seller, bank(first, name="  Sri   Rejeki "))
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["method"] == "bank_transfer" and body["bank_code"] == "014" and body["account_name"] == "Sri Rejeki"
    assert body["account_number_masked"] == MASKED + first[-4:]
    assert (body["status"], body["payouts_enabled"]) == ("pending_verification", False)
    assert first not in put.text
    for reader in (seller, finance, shop.admin):
        shown = shop.call("GET", account_path(store), reader)
        assert shown.status_code == 200 and shown.json() == body and first not in shown.text

    again = shop.call("PUT", account_path(store), seller, bank(first, name="Sri Rejeki"))
    assert again.json() == body  # the same details change nothing (and tell nobody)

    verified = shop.call("POST", f"/v1/admin/stores/{store}/payout-account/verify", finance, {})
    assert verified.status_code == 200, verified.text
    assert (verified.json()["status"], verified.json()["payouts_enabled"]) == ("verified", True)

    changed = shop.call("PUT", account_path(store), seller, bank(second, code="114"))
    assert changed.status_code == 200, changed.text
    assert changed.json()["account_number_masked"] == MASKED + second[-4:]
    assert (changed.json()["status"], changed.json()["payouts_enabled"]) == ("pending_verification", False)

    shop.stack.drain()
    owner_heard = kinds_about(inbox(shop, seller), "")
    assert owner_heard == ["payout_account_changed", "payout_account_changed", "payout_account_verified"]
    admins_heard = [n for n in inbox(shop, shop.admin, admin=True) if store in n["body"]]
    assert sorted(n["kind"] for n in admins_heard) == ["payout_account_review", "payout_account_review"]
    assert any("Bank Jatim" in n["body"] and second[-4:] in n["body"] for n in admins_heard)

    rejected = shop.call(
        "POST", f"/v1/admin/stores/{store}/payout-account/verify", shop.admin, {"reject": "nama tidak cocok"}
    )
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["reason"], rejected.json()["payouts_enabled"]) == (
        "rejected",
        "nama tidak cocok",
        False,
    )
    shop.stack.drain()
    everything = " ".join(n["body"] for n in inbox(shop, seller) + admins_heard)
    log = (shop.stack.state_dir / "stack.log").read_text()
    for number in (first, second):
        assert number not in everything and number not in log


def test_bad_bank_details_are_refused_naming_the_field(shop: Shop) -> None:
    seller = shop.user("seller")
    store = shop.store(seller)
    cases = [
        (bank("1234567890", code="999"), "bank_code"),
        (bank("1234567890", code="BCA"), "bank_code"),
        (bank("1234-567890"), "account_number"),
        (bank("12345"), "account_number"),
        (bank("1234567890", name=" "), "account_name"),
        ({"method": "bank_transfer", "bank_code": "014"}, "account_number"),
        ({"method": "stripe_connect", "account_number": "1234567890"}, "account_number"),
        ({"method": "cash"}, "method"),
    ]
    for sent, field in cases:
        answer = shop.call("PUT", account_path(store), seller, sent)
        assert answer.status_code == 422, (sent, answer.text)
        assert error_of(answer.json())["details"]["field"] == field, (sent, answer.text)
    named = shop.call("PUT", account_path(store), seller, bank("1234567890", code="BCA"))
    assert error_of(named.json())["details"]["suggestions"][0] == "014"
    assert shop.call("GET", account_path(store), seller).status_code == 404  # nothing was stored


def test_nobody_but_the_owner_and_officers_reads_or_changes_a_stores_payout_account(shop: Shop) -> None:
    owner, other, buyer = shop.user("seller"), shop.user("seller"), shop.user("buyer")
    store = shop.store(owner)
    assert shop.call("PUT", account_path(store), owner, bank("1234567890")).status_code == 200
    assert shop.call("GET", account_path(store), other).status_code == 403
    assert shop.call("GET", account_path(store), buyer).status_code == 403
    assert shop.call("PUT", account_path(store), other, bank("9876543210")).status_code == 403
    assert shop.call("POST", f"/v1/admin/stores/{store}/payout-account/verify", owner, {}).status_code == 403
    assert shop.call("GET", account_path(store), owner).json()["account_number_masked"].endswith("7890")

    applied = shop.call("POST", "/v1/stores", owner, {**STORE, "name": f"Toko Tertunda {shop.tag}"})
    pending = applied.json()["store_id"]
    assert shop.call("PUT", account_path(pending), owner, bank("1234567890")).status_code == 200
    assert shop.call("GET", account_path(pending), other).status_code == 404  # its store is not public
    assert shop.call("GET", account_path(pending), shop.admin).status_code == 200


STORE = {
    "kind": "umkm",
    "kecamatan": "Genteng",
    "kelurahan": "Ketabang",
    "address": "Jl. Uji 2",
    "phone_number": "081234567890",
}


def test_a_connect_account_is_onboarded_with_stripe_and_verified_by_its_webhook(shop: Shop) -> None:
    seller, finance = shop.user("seller"), shop.user("finance")
    store = shop.store(seller)
    assert shop.call("PUT", account_path(store), seller, bank("1234567890")).status_code == 200
    not_connect = shop.call("POST", f"{account_path(store)}/onboarding-link", seller)
    assert not_connect.status_code == 409 and error_of(not_connect.json())["code"] == "invalid_transition"

    put = shop.call("PUT", account_path(store), seller, {"method": "stripe_connect"})
    assert put.status_code == 200, put.text
    assert put.json()["method"] == "stripe_connect" and put.json()["status"] == "pending_verification"
    assert (put.json()["bank_code"], put.json()["account_number_masked"], put.json()["account_name"]) == (
        None,
        None,
        None,
    )  # bank details are not kept once they are not needed
    by_hand = shop.call("POST", f"/v1/admin/stores/{store}/payout-account/verify", finance, {})
    assert by_hand.status_code == 409 and error_of(by_hand.json())["code"] == "invalid_transition"

    link = shop.call("POST", f"{account_path(store)}/onboarding-link", seller)
    assert link.status_code == 200, link.text
    assert link.json()["url"].startswith("http") and link.json()["expires_at"].endswith("Z")
    other = shop.call("POST", f"{account_path(store)}/onboarding-link", shop.user("seller"))
    assert other.status_code == 403

    completed = requests.get(link.json()["url"], timeout=10)  # the local shortcut for Stripe's hosted form
    assert completed.status_code == 200 and completed.json()["completed"] is True, completed.text
    account = completed.json()["account"]
    shop.wait(lambda: shop.call("GET", account_path(store), seller).json()["status"] == "verified")
    shown = shop.call("GET", account_path(store), seller).json()
    assert shown["payouts_enabled"] is True and shown["verified_at"]

    again = shop.call("POST", f"{account_path(store)}/onboarding-link", seller)
    assert again.status_code == 200  # the same Express account, a new link
    assert requests.get(again.json()["url"], timeout=10).json()["account"] == account
    shop.stack.drain()
    assert "payout_account_verified" in kinds_about(inbox(shop, seller), "Stripe Connect")


def test_the_local_stripe_stand_in_makes_transfers_and_reversals_to_onboarded_accounts_in_stripes_shapes(
    shop: Shop,
) -> None:
    """What the payout batches will call (transfers to a Connect account, reversals after a refund)."""
    base = shop.call("GET", "/_local/stripe").json()["url"]
    auth = {"Authorization": f"Bearer {STRIPE_KEY}"}

    def post(path: str, data: dict[str, Any]) -> requests.Response:
        return requests.post(f"{base}{path}", data=data, headers=auth, timeout=10)

    account = post("/v1/accounts", {"type": "express", "country": "ID", "capabilities[transfers][requested]": "true"})
    assert account.status_code == 200 and account.json()["payouts_enabled"] is False, account.text
    acct = account.json()["id"]
    transfer = {"amount": "2500000", "currency": "idr", "destination": acct, "transfer_group": f"chk_{shop.tag}"}
    early = post("/v1/transfers", transfer)
    assert early.status_code == 400 and early.json()["error"]["code"] == "insufficient_capabilities_for_transfer"

    link = post("/v1/account_links", {"account": acct, "type": "account_onboarding", **URLS}).json()
    assert set(link) == {"object", "created", "expires_at", "url"} and link["object"] == "account_link"
    assert requests.get(link["url"], timeout=10).status_code == 200
    made = post("/v1/transfers", transfer)
    assert made.status_code == 200, made.text
    assert made.json()["object"] == "transfer" and made.json()["reversals"]["total_count"] == 0
    reversal = post(f"/v1/transfers/{made.json()['id']}/reversals", {"amount": "1000000"})
    assert reversal.json()["object"] == "transfer_reversal" and reversal.json()["amount"] == 1_000_000
    too_much = post(f"/v1/transfers/{made.json()['id']}/reversals", {"amount": "1500001"})
    assert too_much.status_code == 400 and too_much.json()["error"]["code"] == "amount_too_large"
    after = requests.get(f"{base}/v1/transfers/{made.json()['id']}", headers=auth, timeout=10).json()
    assert (after["amount_reversed"], after["reversed"]) == (1_000_000, False)


URLS = {"refresh_url": "https://peken.example/ulang", "return_url": "https://peken.example/selesai"}
