"""The payment provider boundary: one interface per way of paying a store, chosen by the account's method.

`bank_transfer` is the default and works for any seller with an account at an Indonesian bank:
the treasury sends a bulk-transfer file to its bank and records the bank's results (no API
is called; an admin or finance officer verifies the account details by hand). `stripe_connect`
pays an Express account by Stripe transfer; Stripe verifies the account during onboarding and
says so with `account.updated`. Another rail (Xendit, DOKU, a bank's host-to-host API) is one
more class here and one more `Method`: the ledger and the payout run only see this interface.

Stripe is reached only through `chalicelib.stripe_gateway`. Cost: `bank_transfer` makes no
call; `stripe_connect.onboard` makes one or two Stripe calls (account on first use, then the
link), `verify_from_webhook` one (the account re-fetched: an event only says "look again").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from chalicelib.errors import InvalidTransition

if TYPE_CHECKING:
    from chalicelib.payouts.model import Method
    from chalicelib.payouts.tables import PayoutAccountRecord

# Where Stripe sends the seller after onboarding (return) or when the link has expired (refresh):
# the seller web app's payout page, which asks for a new link.
RETURN_URL = "https://e-peken.surabaya.go.id/penjual/rekening?onboarding=selesai"
REFRESH_URL = "https://e-peken.surabaya.go.id/penjual/rekening?onboarding=ulang"


@dataclass(frozen=True)
class Onboarding:
    """Where the seller completes the provider's checks, and what the provider knows already."""

    url: str
    expires_at: int  # Unix seconds
    external_id: str  # the provider's id of the account (a Connect account id)
    payouts_enabled: bool  # already verified by the provider (a store returning to the method)


@dataclass(frozen=True)
class Verdict:
    """What the provider says of one of its accounts after a webhook."""

    external_id: str
    store_id: str  # from the provider's metadata; empty: not one of ours
    payouts_enabled: bool


class PayoutProvider(Protocol):
    """One way of paying stores.

    Today: `onboard` and `verify_from_webhook`. The payout batches will add, on this same
    interface, `pay(payout)` (send one payout, idempotent by the payout id; `stripe_connect`
    makes a transfer with the checkout as `transfer_group` and the charge as
    `source_transaction`; `bank_transfer` only marks it for the bank file) and
    `reverse(payout, amount_idr)` (take money back after a refund: a transfer reversal where
    the connected balance allows; for bank transfers, netting in the next payout). Neither
    exists yet.
    """

    method: Method

    def onboard(self, account: PayoutAccountRecord) -> Onboarding:
        """Start (or resume) the provider's own verification of a store's account."""
        ...

    def verify_from_webhook(self, external_id: str) -> Verdict:
        """Ask the provider about one of its accounts a webhook named."""
        ...


class BankTransfer:
    """Bulk bank transfers by the treasury; accounts are verified by an admin or finance officer."""

    method: Method = "bank_transfer"

    def onboard(self, account: PayoutAccountRecord) -> Onboarding:
        raise InvalidTransition("bank accounts have no onboarding: an admin or finance officer verifies them")

    def verify_from_webhook(self, external_id: str) -> Verdict:
        raise InvalidTransition("bank accounts are not verified by webhook")


class StripeConnect:
    """Stripe transfers to an Express account the store onboards with Stripe."""

    method: Method = "stripe_connect"

    def onboard(self, account: PayoutAccountRecord) -> Onboarding:
        from chalicelib import stripe_gateway

        if account.stripe_account_id:
            connected = stripe_gateway.retrieve_account(account.stripe_account_id)
        else:
            connected = stripe_gateway.create_express_account(account.store_id, f"connect-account-{account.store_id}")
        link = stripe_gateway.create_account_link(connected.id, REFRESH_URL, RETURN_URL)
        return Onboarding(link.url, link.expires_at, connected.id, connected.payouts_enabled)

    def verify_from_webhook(self, external_id: str) -> Verdict:
        from chalicelib import stripe_gateway

        connected = stripe_gateway.retrieve_account(external_id)
        return Verdict(connected.id, connected.store_id, connected.payouts_enabled)


PROVIDERS: dict[str, PayoutProvider] = {p.method: p for p in (BankTransfer(), StripeConnect())}


def provider(method: str) -> PayoutProvider:
    """The provider of a payout method."""
    return PROVIDERS[method]
