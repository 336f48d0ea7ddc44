"""A subset of Stripe's search query language: ``field:'value'``, ``field~'part'``,
``metadata['key']:'value'``, numeric comparisons and ``AND``/``OR`` (not mixed, as in Stripe).
"""

from __future__ import annotations

import re
from typing import Any

from stripe_emulator.errors import invalid

CLAUSE = re.compile(
    r"""\s*(-)?([a-z_\.]+)(?:\[['"]([^'"]+)['"]\])?\s*(:|~|>=|<=|>|<)\s*(?:'([^']*)'|"([^"]*)"|(-?\d+))\s*""",
    re.IGNORECASE,
)


def matches(query: str, obj: dict[str, Any]) -> bool:
    joiner = " OR " if " OR " in query else " AND "
    if " OR " in query and " AND " in query:
        raise invalid("Search queries cannot mix AND and OR.", "query")
    results = [_clause(part, obj) for part in query.split(joiner)]
    return any(results) if joiner == " OR " else all(results)


def _clause(text: str, obj: dict[str, Any]) -> bool:
    found = CLAUSE.fullmatch(text)
    if found is None:
        raise invalid(f"Invalid search query: {text.strip()}", "query")
    negate, field, key, operator, single, double, number = found.groups()
    value: Any = obj
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if key is not None:
        value = value.get(key) if isinstance(value, dict) else None
    wanted = single if single is not None else double if double is not None else number
    result = _compare(value, operator, wanted)
    return not result if negate else result


def _compare(value: Any, operator: str, wanted: str) -> bool:
    if operator == ":":
        if wanted == "null":
            return value is None
        return value is not None and str(value).lower() == wanted.lower()
    if operator == "~":
        return value is not None and wanted.lower() in str(value).lower()
    if value is None:
        return False
    left, right = float(value), float(wanted)
    return {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[
        operator
    ]
