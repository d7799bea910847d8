"""A permanent ledger of effects that must happen once: turnover counted, spending recorded.

Each effect writes its entry with a conditional put in the same transaction as the effect,
so a redelivered message finds the entry and changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.dynamo import region, table_name


class LedgerRecord(Model):
    """One effect that happened, by its id (e.g. `turnover:<order_id>`)."""

    class Meta:
        table_name = table_name("ledger")
        region = region()

    entry_id = UnicodeAttribute(hash_key=True)
    amount_idr = NumberAttribute(null=True)
    at = UnicodeAttribute(null=True)


def once(tx: Any, entry_id: str, amount_idr: int, at: str) -> None:
    """Add the entry to a transaction; the transaction fails if the effect already happened."""
    tx.save(LedgerRecord(entry_id, amount_idr=amount_idr, at=at), condition=LedgerRecord.entry_id.does_not_exist())


def exists(entry_id: str) -> bool:
    """Tell whether an effect was already recorded (after a refused transaction, say why)."""
    from pynamodb.exceptions import DoesNotExist

    try:
        LedgerRecord.get(entry_id, consistent_read=True)
    except DoesNotExist:
        return False
    return True


def apply_once(entry_id: str, amount_idr: int, effect: Callable[[Any], None]) -> bool:
    """Write the entry and the effect (added by `effect(tx)`) in one transaction.

    Returns False when the effect already happened; any other refusal (e.g. the effect's
    own condition) raises TransactWriteError for the caller to retry.
    """
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    from chalicelib.dynamo import connection
    from chalicelib.ids import iso, utcnow

    try:
        with TransactWrite(connection=connection()) as tx:
            once(tx, entry_id, amount_idr, iso(utcnow()))
            effect(tx)
    except TransactWriteError:
        if exists(entry_id):
            return False
        raise
    return True
