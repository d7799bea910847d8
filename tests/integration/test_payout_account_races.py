"""A payout account's verification applies to the details it read, never to details changed since."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.auth import Principal
from chalicelib.payouts import accounts, model
from chalicelib.payouts.tables import PayoutAccountRecord
from tests.integration.catalog_helpers import Catalog
from tests.integration.conftest import bearer
from tests.integration.interleave import after_reads

BANK = {"method": "bank_transfer", "bank_code": "014", "account_number": "1234567890", "account_name": "Sri Rejeki"}


@pytest.fixture()
def cat(client: Client, aws: dict[str, Any]) -> Catalog:
    return Catalog(client, aws["key_path"])


def test_a_verification_never_lands_on_details_the_owner_changed_after_it_read_them(
    cat: Catalog, aws: dict[str, Any]
) -> None:
    seller = cat.seller()
    store = cat.store(seller)
    store_id = store["store_id"]
    path = f"/v1/stores/{store_id}/payout-account"
    assert cat.call("PUT", path, seller, BANK).status_code == 200
    finance = bearer(aws["key_path"], "finance-" + uuid.uuid4().hex[:6], ["finance"])
    owner = Principal(store["owner_id"], ("seller",))
    redirect = model.PayoutAccountInput.model_validate({**BANK, "account_number": "9999999999"})

    with after_reads(PayoutAccountRecord, store_id, lambda: accounts.put(owner, store_id, redirect), times=1) as race:
        verified = cat.call("POST", f"/v1/admin/stores/{store_id}/payout-account/verify", finance, {})

    assert race.fired == 1
    assert verified.status_code == 409, verified.json_body
    shown = cat.call("GET", path, seller).json_body
    assert (shown["status"], shown["payouts_enabled"]) == ("pending_verification", False)
    assert shown["account_number_masked"].endswith("9999")
    again = cat.call("POST", f"/v1/admin/stores/{store_id}/payout-account/verify", finance, {})
    assert again.status_code == 200 and again.json_body["account_number_masked"].endswith("9999")
