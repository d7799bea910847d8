"""The deployment bundle's botocore data: only the services the functions call, and those still work."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import botocore
import botocore.session
import pytest

from infra.aws.access import CALLED_SERVICES
from infra.aws.bundle import trim_botocore_data

REGION = "ap-southeast-3"


@pytest.fixture(scope="module")
def trimmed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("bundle") / "data"
    shutil.copytree(Path(botocore.__file__).parent / "data", data)
    assert trim_botocore_data(data, CALLED_SERVICES) == len(CALLED_SERVICES)
    return data


@pytest.fixture(autouse=True)
def aws_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS's own endpoints, whatever an earlier test pointed botocore at (the emulator's URL)."""
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(name)


def _session(data: Path) -> botocore.session.Session:
    session = botocore.session.Session()
    session.get_component("data_loader").search_paths[:] = [str(data)]
    return session


def test_only_the_called_services_are_shipped_uncompressed_without_examples(trimmed: Path) -> None:
    assert {d.name for d in trimmed.iterdir() if d.is_dir()} == set(CALLED_SERVICES)
    assert _session(trimmed).get_available_services() == sorted(CALLED_SERVICES)
    files = [f.name for f in trimmed.rglob("*") if f.is_file()]
    assert "service-2.json" in files
    assert not [f for f in files if f.endswith(".gz") or f.startswith("examples")]
    assert len({f.parent for f in trimmed.rglob("service-2.json")}) == len(CALLED_SERVICES)  # one version each


@pytest.mark.parametrize("service", sorted(CALLED_SERVICES))
def test_every_called_service_still_makes_a_client_with_its_regional_endpoint(trimmed: Path, service: str) -> None:
    client = _session(trimmed).create_client(
        service, region_name=REGION, aws_access_key_id="a", aws_secret_access_key="b"
    )
    assert REGION in client.meta.endpoint_url
    stock = botocore.session.Session().create_client(
        service, region_name=REGION, aws_access_key_id="a", aws_secret_access_key="b"
    )
    assert client.meta.endpoint_url == stock.meta.endpoint_url
    assert client.meta.service_model.operation_names == stock.meta.service_model.operation_names


def test_a_service_the_functions_do_not_call_is_gone(trimmed: Path) -> None:
    with pytest.raises(botocore.exceptions.UnknownServiceError):
        _session(trimmed).create_client("ec2", region_name=REGION)
