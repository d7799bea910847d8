"""The local emulator's transactions stay all-or-nothing without copying whole tables."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local.stack import REGION


@pytest.fixture()
def table(aws: dict[str, Any]) -> str:
    name = f"tx-{uuid.uuid4().hex[:8]}"
    client: Any = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for pk, stock in (("a", "5"), ("b", "1")):
        client.put_item(TableName=name, Item={"pk": {"S": pk}, "stock": {"N": stock}})
    return name


def test_a_refused_transaction_changes_nothing(table: str) -> None:
    client: Any = boto3.client("dynamodb", region_name=REGION)
    take: Any = {
        "TableName": table,
        "UpdateExpression": "SET stock = stock - :one",
        "ConditionExpression": "stock >= :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}},
    }
    with pytest.raises(ClientError) as refused:
        client.transact_write_items(
            TransactItems=[
                {"Update": {**take, "Key": {"pk": {"S": "a"}}}},
                {"Put": {"TableName": table, "Item": {"pk": {"S": "new"}, "stock": {"N": "9"}}}},
                {"Delete": {"TableName": table, "Key": {"pk": {"S": "b"}}}},
                {"Update": {**take, "Key": {"pk": {"S": "missing"}}}},  # no stock: fails the condition
            ]
        )
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    items = {i["pk"]["S"]: i["stock"]["N"] for i in client.scan(TableName=table)["Items"]}
    assert items == {"a": "5", "b": "1"}
    client.transact_write_items(TransactItems=[{"Update": {**take, "Key": {"pk": {"S": "a"}}}}])
    assert client.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]["stock"] == {"N": "4"}


def test_tables_are_not_copied_per_transaction(aws: dict[str, Any]) -> None:
    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    some_table: Any = object.__new__(Table)  # type: ignore[type-abstract]
    assert models.copy.deepcopy(some_table) is some_table  # type: ignore[attr-defined]
