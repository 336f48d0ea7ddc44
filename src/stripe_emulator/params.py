"""Request parameters: Stripe's bracket form encoding decoded into nested dicts and lists,
and typed accessors that answer bad input with Stripe's own 400s naming the parameter.

The SDK sends ``a[b][0][c]=v`` (lists always indexed); other clients send ``expand[]=x`` or
repeated keys, and the control plane takes JSON. All of them end up as the same tree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from stripe_emulator.errors import invalid

Tree = dict[str, Any]


def decode_form(raw: str) -> Tree:
    """``a[b][0]=x&a[b][1]=y`` → ``{"a": {"b": ["x", "y"]}}``; empty values are kept (unset)."""
    return decode_pairs(parse_qsl(raw, keep_blank_values=True))


def decode_pairs(pairs: Iterable[tuple[str, str]]) -> Tree:
    root: Tree = {}
    for key, value in pairs:
        _insert(root, _tokens(key), value)
    tree: Tree = _listify(root)
    return tree


def decode_json(raw: bytes) -> Tree:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise invalid(f"Invalid JSON body: {exc}") from exc
    if not isinstance(value, dict):
        raise invalid("The JSON body must be an object.")
    return value


def _tokens(key: str) -> list[str]:
    head, bracket, rest = key.partition("[")
    tokens = [head]
    while bracket:
        inner, _, rest = rest.partition("]")
        tokens.append(inner)
        _, bracket, rest = rest.partition("[")
    return tokens


def _insert(node: Tree, tokens: list[str], value: str) -> None:
    for position, token in enumerate(tokens):
        last = position == len(tokens) - 1
        if token == "":  # ``expand[]=x``: append, or start a new element for ``items[][k]``
            token = _append_slot(node, tokens[position + 1] if not last else None)
        if last:
            if token in node and not isinstance(node[token], dict):
                existing = node[token]  # repeated key: collect into a list
                node[token] = {**({"0": existing} if not isinstance(existing, dict) else {})}
                node[token][str(len(node[token]))] = value
            else:
                node[token] = value
            return
        child = node.get(token)
        if not isinstance(child, dict):
            child = {} if child is None or child == "" else {"0": child}
            node[token] = child
        node = child


def _append_slot(node: Tree, next_token: str | None) -> str:
    numbered = [int(k) for k in node if k.isdigit()]
    if next_token is not None and numbered:
        last = str(max(numbered))
        if isinstance(node[last], dict) and next_token not in node[last]:
            return last
    return str(max(numbered) + 1 if numbered else 0)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


TRUE = {"true", "1", "yes"}
FALSE = {"false", "0", "no"}


class Params:
    """Typed access to one level of the parameter tree; ``prefix`` names nested parameters
    the way Stripe does in errors (``transfer_data[destination]``)."""

    def __init__(self, data: Tree | None = None, prefix: str = "") -> None:
        self.data: Tree = data if isinstance(data, dict) else {}
        self.prefix = prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}[{key}]" if self.prefix else key

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def keys(self) -> list[str]:
        return list(self.data)

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        """Stripe refuses parameters it does not know, naming the first one."""
        known = set(allowed) | {"expand"}
        for key in self.data:
            if key not in known:
                raise invalid(f"Received unknown parameter: {self.name(key)}", self.name(key))

    def require(self, key: str) -> None:
        if key not in self.data or self.data[key] in ("", None):
            raise invalid(f"Missing required param: {self.name(key)}.", self.name(key))

    def text(
        self,
        key: str,
        *,
        required: bool = False,
        choices: Iterable[str] | None = None,
        max_length: int = 5000,
        empty_is_none: bool = True,
    ) -> str | None:
        if required:
            self.require(key)
        value = self.data.get(key)
        if value is None or (value == "" and empty_is_none):
            return None
        if not isinstance(value, str):
            raise invalid(f"Invalid string: {self.name(key)} must be a string.", self.name(key))
        if len(value) > max_length:
            raise invalid(
                f"Invalid string: {self.name(key)} must be at most {max_length} characters.",
                self.name(key),
            )
        if choices is not None:
            allowed = list(choices)
            if value not in allowed:
                raise invalid(
                    f"Invalid {self.name(key)}: must be one of {', '.join(allowed)}",
                    self.name(key),
                )
        return value

    def integer(
        self,
        key: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        if required:
            self.require(key)
        value = self.data.get(key)
        if value is None or value == "":
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise invalid(f"Invalid integer: {value}", self.name(key)) from None
        if minimum is not None and number < minimum:
            raise invalid(f"This value must be greater than or equal to {minimum}.", self.name(key))
        if maximum is not None and number > maximum:
            raise invalid(f"This value must be less than or equal to {maximum}.", self.name(key))
        return number

    def flag(self, key: str, *, default: bool | None = None) -> bool | None:
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        lowered = str(value).lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise invalid(f"Invalid boolean: {value}", self.name(key))

    def child(self, key: str) -> Params:
        value = self.data.get(key)
        if value not in (None, "") and not isinstance(value, dict):
            raise invalid(f"Invalid object: {self.name(key)} must be an object.", self.name(key))
        return Params(value if isinstance(value, dict) else {}, self.name(key))

    def items(self, key: str) -> list[Any]:
        """A list parameter; a dict of numbered entries or a single value becomes a list."""
        value = self.data.get(key)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return value
        if isinstance(value, dict):
            raise invalid(f"Invalid array: {self.name(key)} must be an array.", self.name(key))
        return [value]

    def strings(self, key: str) -> list[str]:
        values = self.items(key)
        for position, value in enumerate(values):
            if not isinstance(value, str):
                raise invalid(
                    f"Invalid string in {self.name(key)}", f"{self.name(key)}[{position}]"
                )
        return values

    def expand(self) -> list[str]:
        return self.strings("expand")
