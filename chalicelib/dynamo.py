"""Shared PynamoDB settings: table names per stage and the region.

The endpoint is not set here: botocore reads AWS_ENDPOINT_URL (the local emulator) itself.
"""

from __future__ import annotations

from chalicelib.config import current_region, current_stage, resource_name


def table_name(short: str) -> str:
    """Name a table of the current stage, by the rule the deploy template also uses."""
    return resource_name(current_stage(), short)


def region() -> str:
    """Return the AWS region the tables live in."""
    return current_region()
