"""The S3 adapter: one client and the buckets' names, for uploads, exports and the audit archive.

The client signs SigV4 with virtual-hosted URLs: the regional `<bucket>.s3.<region>.amazonaws.com`
(buckets of regions opened after 2019, Jakarta among them, are not reachable through the
global endpoint). botocore reads AWS_ENDPOINT_URL locally and keeps a path there (an IP has
no subdomains). Made once per process, on first use (boto3 stays off the cold-start path).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.config import ARCHIVE_BUCKET_ENV, UPLOADS_BUCKET_ENV, settings


@lru_cache(maxsize=1)
def client() -> Any:
    """The S3 client every domain uses."""
    import boto3
    from botocore.config import Config

    config = Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
    return boto3.client("s3", region_name=settings().region, config=config)


def uploads_bucket() -> str:
    """The uploads bucket (evidence photos under uploads/ and evidence/, CSV exports under exports/)."""
    return _named(settings().uploads_bucket, UPLOADS_BUCKET_ENV)


def archive_bucket() -> str:
    """The audit archive bucket (object lock)."""
    return _named(settings().audit_archive_bucket, ARCHIVE_BUCKET_ENV)


def _named(name: str, env: str) -> str:
    if not name:
        raise RuntimeError(f"{env} is not set: the template (or the local stack) names the bucket")
    return name
