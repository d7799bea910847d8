"""The emulator keeps connections alive and spends little per request (`infra/local/emulator.py`, patches 6-7).

One HTTP/1.1 connection carries request after request (werkzeug's server closed each one,
so every boto3 call connected anew); answers are framed by Content-Length, a chunked request
is still answered (and its connection closed); moto lists a handler's methods once per class
and draws a request id in one call, with the same names and the same alphabet as before.
"""

from __future__ import annotations

import http.client
import inspect
import json
import string
from typing import Any
from urllib.parse import urlsplit

import pytest

from infra.local.stack import REGION

TARGET = "DynamoDB_20120810.ListTables"


def connection(aws: dict[str, Any]) -> http.client.HTTPConnection:
    url = urlsplit(aws["emulator"].url)
    return http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)


def json_call(target: str, service: str | None = "dynamodb") -> dict[str, str]:
    """The headers of a JSON-protocol call, signed for `service` (None: unsigned)."""
    headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"}
    if service is not None:
        credential = f"Credential=test/20260101/{REGION}/{service}/aws4_request"
        headers["Authorization"] = f"AWS4-HMAC-SHA256 {credential}, SignedHeaders=host, Signature=x"
    return headers


def list_tables(conn: http.client.HTTPConnection, **headers: str) -> http.client.HTTPResponse:
    conn.request("POST", "/", body=b"{}", headers={**json_call(TARGET), **headers})
    return conn.getresponse()


def test_one_connection_carries_many_requests(aws: dict[str, Any]) -> None:
    conn = connection(aws)
    first = list_tables(conn)
    body = first.read()
    socket = conn.sock
    assert first.status == 200 and "TableNames" in json.loads(body)
    assert first.getheader("Content-Length") == str(len(body))
    assert first.getheader("Connection") is None and socket is not None  # werkzeug said "close" and closed it
    for _ in range(3):
        again = list_tables(conn)
        assert again.status == 200 and json.loads(again.read())["TableNames"] == json.loads(body)["TableNames"]
        assert conn.sock is socket  # the same TCP connection: http.client reconnects only when it was closed
    conn.close()


def raw_post(conn: http.client.HTTPConnection, headers: dict[str, str], body: bytes = b"") -> http.client.HTTPResponse:
    """POST headers and bytes exactly as given (http.client would add a Content-Length of its own)."""
    conn.putrequest("POST", "/")
    for name, value in {"X-Amz-Target": TARGET, **headers}.items():
        conn.putheader(name, value)
    conn.endheaders()
    if body:
        conn.send(body)
    return conn.getresponse()


def test_a_chunked_request_is_answered_and_closed(aws: dict[str, Any]) -> None:
    conn = connection(aws)
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/dynamodb/aws4_request",
        "Transfer-Encoding": "chunked",
    }
    answer = raw_post(conn, headers, b"2\r\n{}\r\n0\r\n\r\n")
    assert answer.status == 200 and "TableNames" in json.loads(answer.read())
    assert answer.getheader("Connection") == "close"
    conn.close()


def test_a_bad_content_length_is_refused(aws: dict[str, Any]) -> None:
    conn = connection(aws)
    answer = raw_post(conn, {"Content-Length": "two"})
    assert answer.status == 400
    conn.close()


def test_method_names_are_listed_once_per_class(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import moto.core.responses as responses
    from moto.dynamodb.responses import DynamoHandler

    expected = [name for name, _ in inspect.getmembers(DynamoHandler, predicate=inspect.isfunction)]
    assert responses.method_names_from_class(DynamoHandler) == expected  # type: ignore[attr-defined]
    listed: list[Any] = []
    original = inspect.getmembers

    def getmembers(*args: Any, **kwargs: Any) -> Any:
        listed.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(inspect, "getmembers", getmembers)
    conn = connection(aws)
    for _ in range(2):
        assert list_tables(conn).read()
    conn.close()
    assert listed == []  # moto as shipped lists the handler's members on every request


def test_request_ids_are_52_letters_and_digits_drawn_at_once(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.moto_api._internal import mock_random

    conn = connection(aws)
    ids = []
    for _ in range(3):
        answer = list_tables(conn)
        answer.read()
        ids.append(answer.getheader("x-amzn-requestid") or "")
    conn.close()
    assert len(set(ids)) == 3
    assert all(len(i) == 52 and set(i) <= set(string.ascii_letters + string.digits) for i in ids)
    drawn: list[Any] = []
    original = mock_random.choice

    def choice(seq: Any) -> Any:
        drawn.append(seq)
        return original(seq)

    monkeypatch.setattr(mock_random, "choice", choice)
    assert len(mock_random.get_random_string(length=52)) == 52
    assert mock_random.get_random_string(length=8, include_digits=False, lower_case=True).islower()
    assert drawn == []  # moto as shipped draws one character per call


# These differ between any two answers; bodies are compared as JSON, since the item operations'
# answers are written by json.dumps (patch 3), which full_walk() turns off too.
VARYING = {"date", "x-amzn-requestid", "x-amz-crc32", "content-length"}


def test_calls_answered_without_flask_match_motos_server(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A DynamoDB, DynamoDB Streams or SQS call gets the same status, headers and body as through moto's server."""
    import flask

    from infra.local import moto_patches

    table = f"direct-{REGION}"
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("dynamodb", "DynamoDB_20120810.ListTables", {}),
        ("dynamodb", "DynamoDB_20120810.GetItem", {"TableName": "nowhere", "Key": {"pk": {"S": "a"}}}),  # 400
        ("dynamodb", "DynamoDB_20120810.DescribeTable", {"TableName": "nowhere"}),
        ("dynamodb", "DynamoDB_20120810.Frobnicate", {}),  # an unknown operation
        ("dynamodb", "DynamoDB_20120810.PutItem", {"TableName": table, "Item": {"pk": {"S": "a"}}}),
        ("dynamodb", "DynamoDB_20120810.GetItem", {"TableName": table, "Key": {"pk": {"S": "a"}}}),
        ("dynamodb", "DynamoDBStreams_20120810.ListStreams", {}),  # botocore signs streams as dynamodb
        ("sqs", "AmazonSQS.ListQueues", {}),
        ("sqs", "AmazonSQS.GetQueueUrl", {"QueueName": "nowhere"}),  # 400
    ]
    conn = connection(aws)
    create = {
        "TableName": table,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    call(conn, "dynamodb", "DynamoDB_20120810.CreateTable", create).read()
    flask_views: list[str] = []
    original = flask.Flask.full_dispatch_request

    def full_dispatch_request(self: Any) -> Any:
        flask_views.append(flask.request.path)
        return original(self)

    monkeypatch.setattr(flask.Flask, "full_dispatch_request", full_dispatch_request)
    for service, target, body in calls:
        direct = answer_of(call(conn, service, target, body))
        assert flask_views == [], target  # answered without moto's Flask app
        with moto_patches.full_walk():
            served = answer_of(call(conn, service, target, body))
        assert flask_views, target
        flask_views.clear()
        assert direct == served, target
    conn.close()


def call(conn: http.client.HTTPConnection, service: str, target: str, body: dict[str, Any]) -> Any:
    conn.request("POST", "/", body=json.dumps(body).encode(), headers=json_call(target, service))
    return conn.getresponse()


def answer_of(response: http.client.HTTPResponse) -> tuple[int, dict[str, str], Any]:
    headers = {k.lower(): v for k, v in response.getheaders() if k.lower() not in VARYING}
    body = response.read()
    try:
        return response.status, headers, json.loads(body)
    except ValueError:
        return response.status, headers, body


def test_only_signed_calls_go_direct_and_each_to_its_own_service(aws: dict[str, Any]) -> None:
    """moto routes by the signing service: an unsigned call, or one signed for another service, is not cached."""
    from infra.local import moto_patches

    conn = connection(aws)
    for service, target in (
        (None, "DynamoDB_20120810.ListTables"),  # unsigned: moto's server decides (S3's fallback)
        ("dynamodb", "DynamoDB_20120810.ListTables"),
        ("sqs", "DynamoDB_20120810.ListTables"),  # signed for SQS
        ("dynamodb", "DynamoDB_20120810.ListTables"),
    ):
        headers = json_call(target, service)
        conn.request("POST", "/", body=b"{}", headers=headers)
        direct = answer_of(conn.getresponse())
        with moto_patches.full_walk():
            conn.request("POST", "/", body=b"{}", headers=headers)
            served = answer_of(conn.getresponse())
        assert direct == served, (service, target)
        if service == "dynamodb":
            assert "TableNames" in direct[2]
    conn.close()


@pytest.mark.parametrize(
    ("method", "extra"),
    [
        ("POST", {"Origin": "http://127.0.0.1:8000"}),
        ("POST", {"Access-Control-Request-Private-Network": "true"}),
        ("OPTIONS", {"Access-Control-Request-Method": "POST"}),
    ],
)
def test_cors_requests_are_answered_by_motos_server(aws: dict[str, Any], method: str, extra: dict[str, str]) -> None:
    from infra.local import moto_patches

    conn = connection(aws)
    headers = {**json_call(TARGET), **extra}

    def ask() -> tuple[int, list[tuple[str, str]], bytes]:
        conn.request(method, "/", body=b"{}", headers=headers)
        response = conn.getresponse()
        kept = sorted((k.lower(), v) for k, v in response.getheaders() if k.lower() not in VARYING)
        return response.status, kept, response.read()

    direct = ask()
    with moto_patches.full_walk():
        served = ask()
    assert direct == served
    assert any(name.startswith("access-control-") for name, _ in direct[1])
    conn.close()
