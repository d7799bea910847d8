"""Package the app for a stage and validate the result offline: SAM translation, then cfn-lint.

Usage: python -m infra.aws.validate STAGE [OUT_DIR] [--with-dependencies]
Prints the translated template's path; exits non-zero on any error, and at once for the
`local` stage or a stage .chalice/config.json does not declare. `make package` passes
--with-dependencies to build the real bundle (downloading Lambda wheels from PyPI).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from chalicelib.config import DEV_ROUTES_ENV, LOCAL_STAGE
from infra.aws.access import GRANTS
from infra.aws.template import CHALICE_CONFIG, MAX_FUNCTION_NAME, function_name

ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-southeast-3"


class _NoManagedPolicies:
    """Stand in for the IAM lookup SAM makes only for managed-policy names (we use none)."""

    def load(self) -> dict[str, str]:
        return {}


def declared_stages() -> list[str]:
    """List the stages .chalice/config.json declares."""
    return sorted(json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))["stages"])


def check_stage(stage: str, declared: Iterable[str] | None = None) -> None:
    """Refuse a stage that must not be packaged: `local`, one not declared, one too long for its names."""
    known = declared if declared is not None else declared_stages()
    deployable = sorted(set(known) - {LOCAL_STAGE})
    if stage == LOCAL_STAGE:
        raise SystemExit(f"stage {LOCAL_STAGE!r} is the local stack's, never packaged; declared: {deployable}")
    if stage not in known:
        raise SystemExit(f"stage {stage!r} is not declared in .chalice/config.json; declared: {deployable}")
    longest = max((function_name(stage, handler) for handler in GRANTS), key=len)
    if len(longest) > MAX_FUNCTION_NAME:
        raise SystemExit(f"stage {stage!r} is too long: function name {longest} is over {MAX_FUNCTION_NAME} characters")


def package(stage: str, out_dir: Path, with_dependencies: bool = False) -> Path:
    """Run `chalice package` with our merge template; return the SAM template path.

    Without dependencies the app is packaged from a copy with an empty requirements.txt:
    the template is the same, and no wheel is downloaded. The dev-only routes are never
    packaged, whatever the caller's environment says.
    """
    check_stage(stage)
    env = {k: v for k, v in os.environ.items() if k != DEV_ROUTES_ENV}
    env.update({"PEKEN_STAGE": stage, "AWS_DEFAULT_REGION": REGION})
    out_dir.mkdir(parents=True, exist_ok=True)
    merge = out_dir / "merge.json"
    subprocess.run([sys.executable, "-m", "infra.aws.template", stage, str(merge)], cwd=ROOT, env=env, check=True)
    source = ROOT
    with tempfile.TemporaryDirectory() as tmp:
        if not with_dependencies:
            source = Path(tmp) / "app"
            source.mkdir()
            shutil.copy(ROOT / "app.py", source)
            shutil.copytree(ROOT / "chalicelib", source / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copytree(ROOT / ".chalice", source / ".chalice", ignore=shutil.ignore_patterns("deployments"))
            (source / "requirements.txt").write_text("")
        package_dir = out_dir / "package"
        shutil.rmtree(package_dir, ignore_errors=True)
        subprocess.run(
            [
                str(Path(sys.executable).parent / "chalice"),
                "package",
                "--stage",
                stage,
                "--merge-template",
                str(merge),
                str(package_dir),
            ],
            cwd=source,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return package_dir / "sam.json"


def translate(sam_path: Path) -> dict[str, Any]:
    """Expand the SAM template into plain CloudFormation, offline."""
    from samtranslator.translator.transform import transform

    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    sam = json.loads(sam_path.read_text())
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            # `aws cloudformation package` uploads the zip and rewrites CodeUri the same way.
            resource["Properties"]["CodeUri"] = "s3://peken-artifacts/deployment.zip"
    params = {"AWS::Region": REGION, "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    result: dict[str, Any] = transform(sam, params, _NoManagedPolicies())
    return result


def lint(path: Path) -> list[str]:
    """Run cfn-lint; return its error lines (warnings and informational notes excluded)."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--regions", REGION, "--format", "parseable", str(path)],
        capture_output=True,
        text=True,
    )
    if result.returncode not in (0, 2, 4, 6, 8, 10, 12, 14):  # bit 1 (value 2) means errors; others are warnings
        return [result.stderr.strip() or f"cfn-lint exited {result.returncode}"]
    return [line for line in result.stdout.splitlines() if _rule(line).startswith("E")]


def _rule(line: str) -> str:
    """Return the rule id (E…, W…, I…) of a parseable cfn-lint line."""
    return next((part for part in line.split(":") if len(part) == 5 and part[0] in "EWI" and part[1:].isdigit()), "")


def validate(stage: str, out_dir: Path, with_dependencies: bool = False) -> Path:
    """Package (finished when real: infra/aws/bundle.py), translate and lint; return the translated template's path."""
    sam_path = package(stage, out_dir, with_dependencies)
    if with_dependencies:
        from infra.aws.bundle import finish

        done = finish(sam_path.parent / "deployment.zip")
        print(f"bundle: {done.modules} modules precompiled, botocore data of {done.services} services", file=sys.stderr)
    cfn_path = out_dir / "cloudformation.json"
    cfn_path.write_text(json.dumps(translate(sam_path), indent=1))
    errors = lint(sam_path) + lint(cfn_path)
    if errors:
        raise SystemExit("cfn-lint errors:\n" + "\n".join(errors))
    return cfn_path


def main(argv: list[str]) -> int:
    """Validate one stage."""
    flags = {a for a in argv if a.startswith("--")}
    args = [a for a in argv if not a.startswith("--")]
    stage = args[0] if args else "dev"
    out_dir = Path(args[1]) if len(args) > 1 else ROOT / "build" / stage
    print(validate(stage, out_dir, with_dependencies="--with-dependencies" in flags))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
