"""The emulator's Query reads only its key range, and answers exactly as moto's own walk does.

`infra/local/moto_patches.py` keeps a sorted index per partition; here random tables, random
writes and random queries (every key condition, both directions, Limit, paging with
ExclusiveStartKey, filters, projections, sparse indexes, number and string range keys, values
an index projection rewrites) are answered twice over HTTP: patched, and inside `full_walk()`
by moto's unpatched Query, projection and response serializer. Every page must be identical,
Items, Count, ScannedCount and LastEvaluatedKey alike.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.local import moto_patches
from infra.local.stack import REGION

PARTITIONS = ("a", "b", "c")
WORDS = ("apel", "apa", "b", "bakso", "bandeng", "c", "ca", "cabai", "z")


def make_table(client: Any, range_type: str) -> str:
    name = f"q-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": range_type},
            {"AttributeName": "gh", "AttributeType": "S"},
            {"AttributeName": "gr", "AttributeType": "N"},
            {"AttributeName": "gs", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {  # sparse: only items with gh and gr are in it; ties on gr are common
                "IndexName": "by_gr",
                "KeySchema": [{"AttributeName": "gh", "KeyType": "HASH"}, {"AttributeName": "gr", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "by_gs",
                "KeySchema": [{"AttributeName": "gh", "KeyType": "HASH"}, {"AttributeName": "gs", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "by_gh",
                "KeySchema": [{"AttributeName": "gh", "KeyType": "HASH"}],
                # w and x hold values moto's projection rewrites ("1e2" -> "1E+2", sets reordered, binary)
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v", "w", "x"]},
            },
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def random_range(rng: random.Random, kind: str) -> dict[str, str]:
    if kind == "N":
        return {"N": str(rng.choice([rng.randint(-20, 40), rng.randint(0, 9) / 4]))}
    return {"S": rng.choice(WORDS) + rng.choice(["", "", str(rng.randint(0, 30))])}


def random_item(rng: random.Random, range_type: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": {"S": rng.choice(PARTITIONS)},
        "sk": random_range(rng, range_type),
        "v": {"N": str(rng.randint(0, 9))},
    }
    if rng.random() < 0.8:
        item["gh"] = {"S": rng.choice(PARTITIONS)}
    if rng.random() < 0.7:
        item["gr"] = {"N": str(rng.randint(0, 6))}
    if rng.random() < 0.7:
        item["gs"] = random_range(rng, "S")
    if rng.random() < 0.5:
        item["w"] = {"N": rng.choice(["3", "0.25", "007.50", "1e2", "-0", "1.0"])}
    if rng.random() < 0.3:
        item["x"] = rng.choice([{"SS": ["b", "a", "c"]}, {"B": b"\x00\x01"}, {"L": [{"N": "01"}]}, {"BOOL": True}])
    return item


def random_query(rng: random.Random, table: str, range_type: str) -> dict[str, Any]:
    index = rng.choice([None, "by_gr", "by_gs", "by_gh"])
    hash_name, range_name, kind = {
        None: ("pk", "sk", range_type),
        "by_gr": ("gh", "gr", "N"),
        "by_gs": ("gh", "gs", "S"),
        "by_gh": ("gh", None, None),
    }[index]
    names = {"#h": hash_name}
    values: dict[str, Any] = {":h": {"S": rng.choice(PARTITIONS)}}
    condition = "#h = :h"
    operators = ["=", "<", "<=", ">", ">=", "between", *(["begins_with"] if kind == "S" else [])]
    operator = rng.choice([None, *operators]) if range_name else None
    if operator is not None and kind is not None:
        names["#r"] = range_name  # type: ignore[assignment]
        values[":r"] = random_range(rng, kind)
        if operator == "between":
            values[":r2"] = random_range(rng, kind)
            condition += " AND #r BETWEEN :r AND :r2"
        elif operator == "begins_with":
            values[":r"] = {"S": rng.choice(["a", "ap", "b", "ba", "c", "z", "zz", "bakso"])}
            condition += " AND begins_with(#r, :r)"
        else:
            condition += f" AND #r {operator} :r"
    query: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": condition,
        "ScanIndexForward": rng.random() < 0.5,
    }
    if index:
        query["IndexName"] = index
    if rng.random() < 0.7:
        query["Limit"] = rng.randint(1, 7)
    if rng.random() < 0.3:
        names["#v"] = "v"
        values[":v"] = {"N": str(rng.randint(0, 9))}
        query["FilterExpression"] = "#v >= :v"
    if rng.random() < 0.2 and index != "by_gs":
        names["#v"] = "v"
        query["ProjectionExpression"] = "pk, sk, #v"
    if index is None and rng.random() < 0.2:
        query["ConsistentRead"] = True
    query["ExpressionAttributeNames"] = names
    query["ExpressionAttributeValues"] = values
    return query


def pages(client: Any, query: dict[str, Any]) -> list[dict[str, Any]]:
    """Every page of a query (at most 60), or the error it got, as comparable dicts."""
    out: list[dict[str, Any]] = []
    request = dict(query)
    for _ in range(60):
        try:
            page = client.query(**request)
        except ClientError as error:
            return [*out, {"error": error.response["Error"]}]
        out.append({k: page.get(k) for k in ("Items", "Count", "ScannedCount", "LastEvaluatedKey")})
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return out


def write_randomly(client: Any, rng: random.Random, table: str, range_type: str, known: list[dict[str, Any]]) -> None:
    """Put, update (index keys in place, or removed) or delete one item."""
    choice = rng.random()
    if choice < 0.5 or not known:
        item = random_item(rng, range_type)
        client.put_item(TableName=table, Item=item)
        known.append({"pk": item["pk"], "sk": item["sk"]})
    elif choice < 0.8:
        key = rng.choice(known)
        if rng.random() < 0.5:
            client.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET gh = :gh, gr = :gr",
                ExpressionAttributeValues={":gh": {"S": rng.choice(PARTITIONS)}, ":gr": {"N": str(rng.randint(0, 6))}},
            )
        else:
            client.update_item(TableName=table, Key=key, UpdateExpression="REMOVE gr, gs")
    else:
        key = known.pop(rng.randrange(len(known)))
        client.delete_item(TableName=table, Key=key)


@pytest.mark.parametrize("range_type", ["N", "S"])
@pytest.mark.parametrize("seed", [1, 2])
def test_patched_query_answers_as_motos_walk(aws: dict[str, Any], range_type: str, seed: int) -> None:
    rng = random.Random(f"{seed}-{range_type}")
    client: Any = boto3.client("dynamodb", region_name=REGION)
    table = make_table(client, range_type)
    known: list[dict[str, Any]] = []
    for _ in range(120):
        item = random_item(rng, range_type)
        client.put_item(TableName=table, Item=item)
        known.append({"pk": item["pk"], "sk": item["sk"]})
    compared = 0
    for _ in range(100):
        for _ in range(rng.randint(0, 3)):
            write_randomly(client, rng, table, range_type, known)
        query = random_query(rng, table, range_type)
        patched = pages(client, query)
        with moto_patches.full_walk():
            walked = pages(client, query)
        assert patched == walked, query
        compared += len(walked)
    assert compared > 100  # paging happened


def test_a_query_reads_only_its_range(aws: dict[str, Any]) -> None:
    """A page near the end of a big partition is answered without walking the table."""
    from moto.dynamodb.models import dynamodb_backends

    from infra.local.prepare import ACCOUNT

    client: Any = boto3.client("dynamodb", region_name=REGION)
    table = make_table(client, "N")
    backend = dynamodb_backends[ACCOUNT][REGION]
    for i in range(3000):
        backend.put_item(table, {"pk": {"S": "a"}, "sk": {"N": str(i)}, "gh": {"S": "a"}, "gr": {"N": str(i % 7)}})
    walks: list[int] = []
    moto_table = backend.get_table(table)
    original = type(moto_table).all_items

    def counting(self: Any) -> list[Any]:
        found: list[Any] = original(self)
        walks.append(len(found))
        return found

    setattr(type(moto_table), "all_items", counting)  # noqa: B010 - count what moto's Query is handed
    try:
        page = client.query(
            TableName=table,
            IndexName="by_gr",
            KeyConditionExpression="gh = :h AND gr BETWEEN :lo AND :hi",
            ExpressionAttributeValues={":h": {"S": "a"}, ":lo": {"N": "5"}, ":hi": {"N": "6"}},
            Limit=5,
            ScanIndexForward=False,
        )
        newest = client.query(
            TableName=table,
            KeyConditionExpression="pk = :h AND sk > :after",
            ExpressionAttributeValues={":h": {"S": "a"}, ":after": {"N": "2990"}},
        )
    finally:
        setattr(type(moto_table), "all_items", original)  # noqa: B010
    in_range = sorted((i for i in range(3000) if i % 7 in (5, 6)), key=lambda i: (i % 7, i), reverse=True)
    assert [int(i["sk"]["N"]) for i in page["Items"]] == in_range[:5]
    assert "LastEvaluatedKey" in page
    assert [int(i["sk"]["N"]) for i in newest["Items"]] == list(range(2991, 3000))
    assert walks == [6, 9]  # the page and the one after it; then just the 9 items in range
