"""Stripe Connect for the local Stripe stand-in: what localstripe 1.15 lacks, in Stripe's shapes.

Loaded by `infra.local.stripe_server` into localstripe's process (its classes must be
importable by name: the stand-in's state is pickled). It answers:
- `POST /v1/accounts` (`type` express|standard|custom, `country`, `email`, `business_type`,
  `capabilities[<name>][requested]`, `metadata`) and `GET /v1/accounts/{id}`: a new account
  has `payouts_enabled: false`, `charges_enabled: false`, `details_submitted: false`, its
  requested capabilities `inactive` and `requirements.currently_due` listing what Stripe asks;
- `POST /v1/account_links` (`account`, `type=account_onboarding`, `refresh_url`,
  `return_url`) -> `{object: "account_link", created, expires_at, url}`, valid 5 minutes;
- `POST /v1/transfers` (`amount`, `currency`, `destination`, `transfer_group`,
  `source_transaction`, `description`, `metadata`), `GET /v1/transfers/{id}`,
  `GET /v1/transfers` (`destination`, `transfer_group`, `limit`: newest first), and
  `POST /v1/transfers/{id}/reversals` (`amount` defaults to what is left, `metadata`):
  a transfer needs a destination whose `transfers` capability is active (Stripe's 400
  otherwise), a `source_transaction` must be a known charge, reversals may not pass the
  amount; `transfer.created`, `transfer.reversed` events are sent.

Shortcuts (the README lists them): onboarding is a GET of the link's URL
(`/_config/peken/connect/onboarding/<token>`, no form, no redirect to `return_url`): it
completes the account at once (payouts and charges enabled, capabilities active, nothing
due) and sends a signed `account.updated`; an expired link answers 410 and changes nothing.
Transfers settle at once (no pending balance, no payout to the seller's bank), no balance
is checked, and Connect-account headers (`Stripe-Account`) are ignored.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from localstripe.errors import UserError
from localstripe.resources import Charge, Event, StripeObject, store, try_convert_to_int
from localstripe.webhooks import schedule_webhook

LINK_SECONDS = 300  # Stripe's account links expire after a few minutes
ACCOUNT_TYPES = ("express", "standard", "custom")
ONBOARDING_PATH = "/_config/peken/connect/onboarding/"
BASE_URL = {"url": "http://127.0.0.1"}  # the stand-in's own address, set by `install`
DUE = ["business_profile.url", "external_account", "individual.id_number", "tos_acceptance.date"]


def _bad(message: str, code: str | None = None, param: str | None = None) -> UserError:
    contents = {k: v for k, v in (("code", code), ("param", param)) if v}
    return UserError(400, message, contents or None)


class Account(StripeObject):  # type: ignore[misc]
    """A connected account, as `GET /v1/accounts/{id}` shows it."""

    object = "account"
    _id_prefix = "acct_"

    def __init__(
        self,
        type: str | None = None,  # Stripe's parameter name
        country: str | None = None,
        email: str | None = None,
        business_type: str | None = None,
        capabilities: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise _bad("Received unknown parameters: " + ", ".join(sorted(kwargs)))
        if type not in ACCOUNT_TYPES:
            raise _bad("Invalid type: must be one of express, standard, custom", param="type")
        if capabilities is not None and not isinstance(capabilities, dict):
            raise _bad("Invalid capabilities", param="capabilities")
        super().__init__()
        self.type = type
        self.country = (country or "US").upper()
        self.default_currency = "idr" if self.country == "ID" else "usd"
        self.email = email
        self.business_type = business_type
        self.metadata = metadata or {}
        self.capabilities = {name: "inactive" for name in (capabilities or {})}
        self.charges_enabled = False
        self.payouts_enabled = False
        self.details_submitted = False
        self.requirements = {
            "currently_due": list(DUE),
            "eventually_due": list(DUE),
            "past_due": [],
            "disabled_reason": "requirements.past_due",
            "current_deadline": None,
        }

    def _complete_onboarding(self) -> None:
        """What Stripe's hosted onboarding ends with: everything submitted, payouts on, `account.updated` sent."""
        self.charges_enabled = self.payouts_enabled = self.details_submitted = True
        self.capabilities = {name: "active" for name in self.capabilities} or {"transfers": "active"}
        self.requirements = {
            "currently_due": [],
            "eventually_due": [],
            "past_due": [],
            "disabled_reason": None,
            "current_deadline": None,
        }
        schedule_webhook(Event("account.updated", self))


class AccountLink(StripeObject):  # type: ignore[misc]
    """A one-time onboarding URL (Stripe's account links have no id; ours is kept private)."""

    object = "account_link"
    _id_prefix = "acctlink_"

    def __init__(
        self,
        account: str | None = None,
        type: str | None = None,  # Stripe's parameter name
        refresh_url: str | None = None,
        return_url: str | None = None,
        collect: str | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise _bad("Received unknown parameters: " + ", ".join(sorted(kwargs)))
        if type not in ("account_onboarding", "account_update"):
            raise _bad("Invalid type", param="type")
        if not isinstance(account, str) or store.get(f"account:{account}") is None:
            raise _bad(f"No such account: '{account}'", code="resource_missing", param="account")
        for name, url in (("refresh_url", refresh_url), ("return_url", return_url)):
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise _bad(f"Invalid URL: {name}", param=name)
        token = secrets.token_urlsafe(18)
        super().__init__(id=f"{self._id_prefix}{token}")
        self._account = account
        self._return_url = return_url
        self.expires_at = self.created + LINK_SECONDS
        self.url = f"{BASE_URL['url']}{ONBOARDING_PATH}{token}"

    def _export(self, expand: Any = None) -> dict[str, Any]:
        return {"object": self.object, "created": self.created, "expires_at": self.expires_at, "url": self.url}


class Transfer(StripeObject):  # type: ignore[misc]
    """Money moved to a connected account (settled at once)."""

    object = "transfer"
    _id_prefix = "tr_"

    def __init__(
        self,
        amount: Any = None,
        currency: str | None = None,
        destination: str | None = None,
        transfer_group: str | None = None,
        source_transaction: str | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise _bad("Received unknown parameters: " + ", ".join(sorted(kwargs)))
        amount = try_convert_to_int(amount)
        if not isinstance(amount, int) or amount <= 0:
            raise _bad("Invalid positive integer", param="amount")
        if not isinstance(currency, str) or not currency:
            raise _bad("Missing required param: currency.", param="currency")
        account = store.get(f"account:{destination}") if isinstance(destination, str) else None
        if account is None:
            raise _bad(f"No such destination: '{destination}'", code="resource_missing", param="destination")
        if account.capabilities.get("transfers") != "active":
            raise _bad(
                "Your destination account needs to have at least one of the following capabilities enabled: "
                "transfers, crypto_transfers, legacy_payments",
                code="insufficient_capabilities_for_transfer",
            )
        if source_transaction is not None:
            Charge._api_retrieve(source_transaction)  # 404 for a charge we never made
        super().__init__()
        self.amount = amount
        self.amount_reversed = 0
        self.currency = currency.lower()
        self.description = description
        self.destination = destination
        self.destination_payment = "py_" + secrets.token_hex(7)
        self.metadata = metadata or {}
        self.reversed = False
        self.source_transaction = source_transaction
        self.transfer_group = transfer_group
        self._reversals: list[TransferReversal] = []
        schedule_webhook(Event("transfer.created", self))

    @property
    def reversals(self) -> dict[str, Any]:
        data = [r._export() for r in self._reversals]
        url = f"/v1/transfers/{self.id}/reversals"
        return {"object": "list", "data": data, "has_more": False, "total_count": len(data), "url": url}

    @classmethod
    def _api_reverse(cls, id: str, amount: Any = None, metadata: Any = None, **kwargs: Any) -> TransferReversal:
        if kwargs:
            raise _bad("Received unknown parameters: " + ", ".join(sorted(kwargs)))
        transfer = cls._api_retrieve(id)
        left = transfer.amount - transfer.amount_reversed
        amount = left if amount is None else try_convert_to_int(amount)
        if not isinstance(amount, int) or amount <= 0 or amount > left:
            raise _bad(
                f"Transfer {id} has {left} left to reverse; you tried to reverse {amount}.",
                code="amount_too_large" if isinstance(amount, int) and amount > left else None,
                param="amount",
            )
        reversal = TransferReversal(transfer, amount, metadata)
        transfer._reversals.append(reversal)
        transfer.amount_reversed += amount
        transfer.reversed = transfer.amount_reversed == transfer.amount
        schedule_webhook(Event("transfer.reversed", transfer))
        return reversal

    @classmethod
    def _api_list_all(
        cls,
        url: str,
        limit: Any = None,
        starting_after: Any = None,
        destination: Any = None,
        transfer_group: Any = None,
        **kwargs: Any,
    ) -> Any:
        if kwargs:
            raise _bad("Received unknown parameters: " + ", ".join(sorted(kwargs)))
        found = super()._api_list_all(url, limit, starting_after)
        found._list = [
            t
            for t in found._list
            if destination in (None, t.destination) and transfer_group in (None, t.transfer_group)
        ]
        found._list.sort(key=lambda t: t.created, reverse=True)
        return found

    @classmethod
    def _api_update(cls, id: str, **data: Any) -> Any:
        if set(data) - {"description", "metadata"}:
            raise _bad("Only description and metadata can be updated")
        return super()._api_update(id, **data)

    @classmethod
    def _api_delete(cls, id: str) -> Any:
        raise UserError(405, "Method Not Allowed")


class TransferReversal(StripeObject):  # type: ignore[misc]
    """Part or all of a transfer taken back from the connected account."""

    object = "transfer_reversal"
    _id_prefix = "trr_"

    def __init__(self, transfer: Transfer, amount: int, metadata: Any = None) -> None:
        super().__init__()
        self.amount = amount
        self.currency = transfer.currency
        self.destination_payment_refund = "pyr_" + secrets.token_hex(7)
        self.metadata = metadata if isinstance(metadata, dict) else {}
        self.source_refund = None
        self.transfer = transfer.id


def complete_onboarding(token: str) -> tuple[int, dict[str, Any]]:
    """Complete the onboarding a link names (the local shortcut): the status and the answer's body."""
    link = store.get(f"account_link:{AccountLink._id_prefix}{token}")
    if link is None:
        return 404, {"error": {"type": "invalid_request_error", "message": "No such account link"}}
    if link.expires_at < int(time.time()):
        return 410, {"error": {"type": "invalid_request_error", "message": "This account link has expired"}}
    account = Account._api_retrieve(link._account)
    account._complete_onboarding()
    return 200, {"completed": True, "account": account.id, "return_url": link._return_url}


def install(app: Any, base_url: str) -> None:
    """Add the Connect routes to localstripe's app (before it starts serving)."""
    from aiohttp import web
    from localstripe.server import api_create, api_extra, api_list_all, api_retrieve, api_update

    BASE_URL["url"] = base_url
    app.router.add_route("POST", "/v1/transfers/{id}/reversals", api_extra(Transfer._api_reverse, ""))
    for cls in (Account, Transfer):
        url = f"/v1/{cls.object}s"
        app.router.add_route("POST", url, api_create(cls, url))
        app.router.add_route("GET", url + "/{id}", api_retrieve(cls, url))
        app.router.add_route("POST", url + "/{id}", api_update(cls, url))
    app.router.add_route("GET", "/v1/transfers", api_list_all(Transfer, "/v1/transfers"))
    app.router.add_route("POST", "/v1/account_links", api_create(AccountLink, "/v1/account_links"))

    async def onboard(request: web.Request) -> web.Response:
        status, body = complete_onboarding(request.match_info["token"])
        return web.json_response(body, status=status)

    app.router.add_get(ONBOARDING_PATH + "{token}", onboard)
