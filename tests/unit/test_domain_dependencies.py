"""Domains depend one way: no domain package imports another that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "chalicelib"
DOMAINS = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists())


def _edges() -> dict[str, set[str]]:
    """Domain -> the other domains its modules import (at module level or inside functions)."""
    edges: dict[str, set[str]] = {d: set() for d in DOMAINS}
    for domain in DOMAINS:
        for module in (ROOT / domain).glob("*.py"):
            for node in ast.walk(ast.parse(module.read_text())):
                names: list[str] = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                for name in names:
                    parts = name.split(".")
                    if parts[0] == "chalicelib" and len(parts) > 1 and parts[1] in DOMAINS and parts[1] != domain:
                        edges[domain].add(parts[1])
    return edges


def test_the_domain_graph_has_no_cycle() -> None:
    edges = _edges()
    done: set[str] = set()

    def visit(domain: str, path: tuple[str, ...]) -> None:
        assert domain not in path, f"import cycle: {' -> '.join((*path, domain))}"
        if domain in done:
            return
        for other in sorted(edges[domain]):
            visit(other, (*path, domain))
        done.add(domain)

    for domain in DOMAINS:
        visit(domain, ())


def test_orders_never_reach_into_payments_and_stripe_stays_at_the_edge() -> None:
    edges = _edges()
    assert "payments" not in edges["orders"]
    importers = [
        str(m.relative_to(ROOT.parent))
        for m in ROOT.rglob("*.py")
        if any(
            isinstance(n, ast.Import | ast.ImportFrom)
            and any((getattr(n, "module", None) or a.name).split(".")[0] == "stripe" for a in n.names)
            for n in ast.walk(ast.parse(m.read_text()))
        )
    ]
    assert importers == ["chalicelib/stripe_gateway.py"]
