"""The emulator's updates, projections and item building answer exactly as moto's own code does.

`infra/local/moto_patches.py` walks an update expression's tree once per processor, counts its
clauses in one pass, picks an index entry's projected attributes by name and keeps an item's
size as it is built. Here random update expressions (SET with arithmetic, `list_append` and
`if_not_exists`, nested paths and list elements, REMOVE, ADD, DELETE, repeated or overlapping
clauses, conditions) are applied over HTTP twice, to two tables that start equal: patched,
and inside `full_walk()` by moto's unpatched code. Every answer (the returned attributes or
the error's code and message) and the items afterwards must be identical. Items around
DynamoDB's 400 KB limit are put both ways with the same outcome.
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

PATHS = ("a", "b", "n", "m.x", "m.y", "l[0]", "l[1]", "s", "missing")
ODD = ("pk", "n.x", "l[7]", "nowhere.deep")  # a key, a path into a number, past a list's end, under a missing map


def make_table(client: Any) -> str:
    name = f"u-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def start_item(rng: random.Random, key: str) -> dict[str, Any]:
    return {
        "pk": {"S": key},
        "a": {"S": rng.choice(["x", "y"])},
        "n": {"N": str(rng.randint(0, 9))},
        "m": {"M": {"x": {"N": "1"}, "y": {"S": "t"}}},
        "l": {"L": [{"S": "p"}, {"N": "2"}]},
        "s": {"SS": ["a", "b"]},
    }


def random_update(rng: random.Random) -> dict[str, Any]:
    """One UpdateItem's expression, names and values; sometimes invalid on purpose."""
    values: dict[str, Any] = {}

    def value(kind: str) -> str:
        name = f":v{len(values)}"
        values[name] = {
            "S": {"S": rng.choice(["x", "y", "zz"])},
            "N": {"N": str(rng.randint(-3, 9))},
            "L": {"L": [{"S": "q"}]},
            "SS": {"SS": [rng.choice(["a", "c", "d"])]},
        }[kind]
        return name

    def path() -> str:
        return rng.choice(ODD) if rng.random() < 0.03 else rng.choice(PATHS)

    def set_action() -> str:
        form = rng.randrange(5)
        if form == 0:
            return f"{path()} = {value('S')}"
        if form == 1:
            return f"{path()} = {rng.choice(['n', 'n', 'a'])} + {value('N')}"
        if form == 2:
            return f"{path()} = list_append({rng.choice(['l', 'l', 'a'])}, {value('L')})"
        if form == 3:
            return f"{path()} = if_not_exists({path()}, {value('N')})"
        return f"{path()} = {value('N')} - {value('N')}"

    kinds = rng.sample(["SET", "REMOVE", "ADD", "DELETE"], rng.randint(1, 3))
    if rng.random() < 0.15:  # a clause twice: refused
        kinds.append(rng.choice(kinds))
    clauses = []
    for kind in kinds:
        count = rng.randint(1, 12) if kind == "SET" else 1
        if kind == "SET":
            actions = [set_action() for _ in range(count)]
        elif kind == "REMOVE":
            actions = [path() for _ in range(count)]
        elif kind == "ADD":
            actions = [f"{rng.choice(['n', 's', 'fresh'])} {value(rng.choice(['N', 'SS']))}" for _ in range(count)]
        else:
            actions = [f"s {value('SS')}" for _ in range(count)]
        clauses.append(f"{kind} " + ", ".join(actions))
    update: dict[str, Any] = {"UpdateExpression": " ".join(clauses), "ReturnValues": "ALL_NEW"}
    if values:
        update["ExpressionAttributeValues"] = values
    if rng.random() < 0.3:
        update["ConditionExpression"] = rng.choice(["attribute_exists(a)", "n < :c", "size(l) > :c"])
        update.setdefault("ExpressionAttributeValues", {})[":c"] = {"N": str(rng.randint(0, 5))}
    return update


def outcome(client: Any, table: str, key: str, update: dict[str, Any]) -> Any:
    """The answer of one update, and the item afterwards."""
    try:
        answer: Any = client.update_item(TableName=table, Key={"pk": {"S": key}}, **update).get("Attributes")
    except ClientError as error:
        answer = (error.response["Error"]["Code"], error.response["Error"]["Message"])
    return answer, client.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_patched_updates_answer_as_motos_code(aws: dict[str, Any], seed: int) -> None:
    rng = random.Random(seed)
    client: Any = boto3.client("dynamodb", region_name=REGION)
    patched_table, walked_table = make_table(client), make_table(client)
    refused = applied = 0
    for i in range(150):
        key = f"k{i % 10}"
        if i < 10:
            item = start_item(rng, key)
            client.put_item(TableName=patched_table, Item=item)
            client.put_item(TableName=walked_table, Item=item)
        update = random_update(rng)
        patched = outcome(client, patched_table, key, update)
        with moto_patches.full_walk():
            walked = outcome(client, walked_table, key, update)
        assert patched == walked, update
        refused += isinstance(patched[0], tuple)
        applied += not isinstance(patched[0], tuple)
    assert refused > 10 and applied > 10  # both kinds were compared


def test_a_clause_given_twice_is_refused_as_moto_refuses_it(aws: dict[str, Any]) -> None:
    client: Any = boto3.client("dynamodb", region_name=REGION)
    table = make_table(client)
    client.put_item(TableName=table, Item={"pk": {"S": "k"}, "n": {"N": "1"}})
    values = {":v": {"S": "x"}, ":one": {"N": "1"}}
    for clause, expression in (
        ("SET", "SET a = :v, b = :v REMOVE c SET d = :v"),
        ("ADD", "ADD n :one SET a = :v ADD m :one"),
        ("REMOVE", "REMOVE a REMOVE b"),
        ("ADD", "REMOVE a REMOVE b ADD n :one ADD n :one"),  # moto checks ADD first
    ):
        given = {k: v for k, v in values.items() if k in expression}
        update = {"UpdateExpression": expression, **({"ExpressionAttributeValues": given} if given else {})}
        patched = outcome(client, table, "k", update)
        with moto_patches.full_walk():
            walked = outcome(client, table, "k", update)
        assert patched == walked, expression
        assert f'The "{clause}" section can only be used once' in patched[0][1], patched
        assert patched[1] == {"pk": {"S": "k"}, "n": {"N": "1"}}  # nothing written


@pytest.mark.parametrize("size", [399_000, 404_000, 406_000, 420_000])
def test_the_400_kb_limit_is_checked_as_moto_checks_it(aws: dict[str, Any], size: int) -> None:
    client: Any = boto3.client("dynamodb", region_name=REGION)
    table = make_table(client)

    def put(key: str) -> Any:
        item = {"pk": {"S": key}, "a": {"S": "x" * (size // 2)}, "b": {"S": "y" * (size - size // 2)}}
        try:
            client.put_item(TableName=table, Item=item)
        except ClientError as error:
            return error.response["Error"]["Code"], error.response["Error"]["Message"]
        return "stored"

    patched = put("patched")
    with moto_patches.full_walk():
        walked = put("walked")
    assert patched == walked
    assert (patched == "stored") == (size < 405_000)
