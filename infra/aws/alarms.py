"""The alarms the template sets, all to one SNS topic.

Dead letters, API 5xx, Lambda throttles, stuck payments, refunds Stripe failed (the
buyer's money is not back; an admin must know even before the last automatic attempt), and
an audit archive falling behind (the table's stream keeps entries 24 hours: an hour's lag
leaves the operator most of a day to mend the archiver before an entry misses the archive).
"""

from __future__ import annotations

from typing import Any

from chalicelib import metrics
from infra.aws import resources

TOPIC = "AlarmTopic"
ARCHIVER = "AuditArchiver"  # the audit_archiver function (chalicelib.audit.archive)


def alarms(fragment: dict[str, Any], api_stage: str) -> dict[str, Any]:
    """A message in any dead-letter queue, API 5xx, Lambda throttles, payments stuck in the queue."""
    out: dict[str, Any] = {
        TOPIC: {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": "${AWS::StackName}-alarms"}}}
    }
    for logical, queue in resources.of_type(fragment, "AWS::SQS::Queue").items():
        if queue["Properties"]["QueueName"].endswith("-dlq"):
            dims = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [logical, "QueueName"]}}]
            out[f"{logical}Alarm"] = _alarm("ApproximateNumberOfMessagesVisible", "AWS/SQS", dims, 0)
    out["PaymentsStuckAlarm"] = _alarm(
        "ApproximateAgeOfOldestMessage",
        "AWS/SQS",
        [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["PaymentsQueue", "QueueName"]}}],
        300,
        periods=2,
    )
    out["Api5xxAlarm"] = _alarm(
        "5XXError",
        "AWS/ApiGateway",
        [{"Name": "ApiName", "Value": {"Ref": "AWS::StackName"}}, {"Name": "Stage", "Value": api_stage}],
        5,
        statistic="Sum",
        period=300,
    )
    out["LambdaThrottlesAlarm"] = _alarm("Throttles", "AWS/Lambda", [], 0, statistic="Sum", period=300)
    out["RefundsFailedAlarm"] = _alarm(
        metrics.REFUNDS_FAILED,
        metrics.NAMESPACE,
        [{"Name": "service", "Value": metrics.SERVICE}],
        0,
        statistic="Sum",
        period=300,
    )
    out["AuditArchiveLagAlarm"] = _alarm(
        "IteratorAge",
        "AWS/Lambda",
        [{"Name": "FunctionName", "Value": {"Ref": ARCHIVER}}],
        3_600_000,  # milliseconds: an hour behind the newest entry
        period=300,
    )
    return out


def _alarm(
    metric: str,
    namespace: str,
    dimensions: list[dict[str, Any]],
    threshold: float,
    statistic: str = "Maximum",
    periods: int = 1,
    period: int = 60,
) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": dimensions,
            "Statistic": statistic,
            "Period": period,
            "EvaluationPeriods": periods,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": TOPIC}],
            "OKActions": [{"Ref": TOPIC}],
        },
    }
