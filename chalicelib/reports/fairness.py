"""Inequality measures of seller income (pure functions)."""

from __future__ import annotations

import math


def gini(incomes: list[int]) -> float:
    """Gini coefficient: 0 when all earn the same, towards 1 when one earns everything."""
    values = sorted(max(0, v) for v in incomes)
    n, total = len(values), sum(values)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * v for i, v in enumerate(values))
    return (2 * weighted) / (n * total) - (n + 1) / n


def top_decile_share(incomes: list[int]) -> float:
    """Share of all income that the top 10% of sellers (at least one) earned."""
    values = sorted((max(0, v) for v in incomes), reverse=True)
    total = sum(values)
    if total == 0:
        return 0.0
    return sum(values[: max(1, math.ceil(len(values) / 10))]) / total
