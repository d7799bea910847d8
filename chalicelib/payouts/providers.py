"""The payment provider boundary: one interface per way of paying a store, chosen by the account's method.

`bank_transfer` is the default and works for any seller with an account at an Indonesian bank:
the treasury sends a bulk-transfer file to its bank and records the bank's results (no API
is called; an admin or finance officer verifies the account details by hand). `stripe_connect`
pays an Express account by Stripe transfer; Stripe verifies the account during onboarding and
says so with `account.updated`. Another rail (Xendit, DOKU, a bank's host-to-host API) is one
more class here and one more `Method`: the ledger and the payout run only see this interface.

After approval each payout goes to its provider: `bank_transfer` sends nothing (`results_recorded`:
the payout waits in the bank file for the treasury's result); `stripe_connect.pay` makes ONE Stripe transfer
per payout with the payout id as idempotency key, so approving again after an outage (or two
approvals at once) can only get the same transfer back, never a second one. A refund that
leaves a Connect store's balance negative is taken back with `reclaim` (a transfer reversal,
idempotent by the refund); a bank store's negative balance is netted from its next payouts.

Decided where the contract was silent: a payout is the store's whole available balance, which
nets many orders, their refunds and earlier failed payouts, so it is one transfer (not one
per order). Stripe's `source_transaction` names ONE charge and a transfer may not exceed it, so
it cannot express a netted sum; and the payout is made days after the charges (completion +
`payout_hold_days`), when their funds are available, which is what `source_transaction` would
wait for. The transfer's `transfer_group` is the payout (`payout_<id>`), its metadata the payout,
store and batch ids, which is how Stripe's dashboard ties it back to us and how a payout sent
again more than 24 hours later (Stripe forgets idempotency keys by then) finds its transfer.

Stripe is reached only through `chalicelib.stripe_gateway`. Cost: `bank_transfer` makes no
call; `stripe_connect.onboard` makes one or two Stripe calls (account on first use, then the
link), `verify_from_webhook` one (the account re-fetched: an event only says "look again"),
`pay` and `reclaim` one each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from chalicelib.errors import InvalidTransition, PaymentProviderError

if TYPE_CHECKING:
    from chalicelib.payouts.model import Method
    from chalicelib.payouts.tables import PayoutAccountRecord, PayoutRecord

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


class Refused(Exception):
    """The provider will not pay this payout (its account changed, Stripe refused): it fails, its money returns."""


class PayoutProvider(Protocol):
    """One way of paying stores: verify their accounts, pay a payout, take money back after a refund.

    `pay` and `reclaim` raise PaymentUnavailable when the provider cannot be reached (the caller
    tries again later with the same idempotency key); `pay` raises Refused for a payout no retry
    will pay.
    """

    method: Method
    results_recorded: bool  # True: the treasury records the results (bank file); `pay` is never called

    def pay(self, payout: PayoutRecord, account: PayoutAccountRecord | None, again: bool = False) -> str:
        """Send one payout (idempotent by its id): the provider's reference of the money sent.

        `again`: an earlier attempt may have sent it (its answer lost): the provider looks first.
        """
        ...

    def reclaim(self, reference: str, amount_idr: int, key: str, metadata: dict[str, str]) -> str | None:
        """Take `amount_idr` of a paid payout back (idempotent by `key`): the reversal's id, or None if not possible."""
        ...

    def onboard(self, account: PayoutAccountRecord) -> Onboarding:
        """Start (or resume) the provider's own verification of a store's account."""
        ...

    def verify_from_webhook(self, external_id: str) -> Verdict:
        """Ask the provider about one of its accounts a webhook named."""
        ...


class BankTransfer:
    """Bulk bank transfers by the treasury; accounts are verified by an admin or finance officer."""

    method: Method = "bank_transfer"
    results_recorded = True

    def onboard(self, account: PayoutAccountRecord) -> Onboarding:
        raise InvalidTransition("bank accounts have no onboarding: an admin or finance officer verifies them")

    def verify_from_webhook(self, external_id: str) -> Verdict:
        raise InvalidTransition("bank accounts are not verified by webhook")

    def pay(self, payout: PayoutRecord, account: PayoutAccountRecord | None, again: bool = False) -> str:
        raise InvalidTransition("bank payouts go into the bank file; the treasury records the bank's results")

    def reclaim(self, reference: str, amount_idr: int, key: str, metadata: dict[str, str]) -> str | None:
        return None  # a bank transfer cannot be pulled back: the next payouts net it


class StripeConnect:
    """Stripe transfers to an Express account the store onboards with Stripe."""

    method: Method = "stripe_connect"
    results_recorded = False

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

    def pay(self, payout: PayoutRecord, account: PayoutAccountRecord | None, again: bool = False) -> str:
        from chalicelib import stripe_gateway

        group = f"payout_{payout.payout_id}"
        if again:  # Stripe keeps idempotency keys for 24 hours only: look for the transfer first
            made = stripe_gateway.transfer_in_group(group, str(payout.payout_id))
            if made is not None:
                return made.id
        if account is None or account.method != self.method or not account.payouts_enabled:
            raise Refused("the store's payout account changed after the batch was made")
        if not account.stripe_account_id:
            raise Refused("the store has no Stripe account")
        metadata = {"payout_id": str(payout.payout_id), "store_id": str(payout.store_id), "batch_id": payout.batch_id}
        try:
            transfer = stripe_gateway.create_transfer(
                int(payout.amount_idr or 0),
                account.stripe_account_id,
                f"payout-{payout.payout_id}",
                group,
                metadata,
            )
        except PaymentProviderError as exc:
            code = exc.details.get("stripe_code") or "refused"
            raise Refused(f"Stripe refused the transfer ({code})") from exc
        return transfer.id

    def reclaim(self, reference: str, amount_idr: int, key: str, metadata: dict[str, str]) -> str | None:
        from chalicelib import stripe_gateway

        try:
            return stripe_gateway.reverse_transfer(reference, amount_idr, key, metadata)
        except PaymentProviderError:
            return None  # the connected balance does not allow it (or the transfer is reversed already): netted


PROVIDERS: dict[str, PayoutProvider] = {p.method: p for p in (BankTransfer(), StripeConnect())}


def provider(method: str) -> PayoutProvider:
    """The provider of a payout method."""
    return PROVIDERS[method]
