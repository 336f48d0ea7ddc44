"""The fidelity oracle: every JSON body the emulator sends, checked against the official SDK.

Stripe's current OpenAPI spec is not available offline, but the SDK the emulator targets
(stripe 16.1.0, API version 2026-10-28.endive) is generated from it: its typed classes
declare every field of every object, the ``Literal`` values of every enum and which fields
are nested objects, lists or expandable references. ``check(body)`` walks a response by
each object's own ``object`` value and returns precise findings (path in the body, object
type, field, what is allowed), so a shape bug names itself.

Stripe's example objects (``fixtures3.json``, copied from github.com/stripe/openapi,
MIT-licensed) add the second rule: the core fields Stripe always sends must be present.

Annotations are read with ``inspect.get_annotations`` (already evaluated at import, with
``ForwardRef`` for the names the SDK imports only under ``TYPE_CHECKING``), because
``typing.get_type_hints`` fails on exactly those names; forward references are resolved by
reading the defining module's imports with ``ast``.
"""

from __future__ import annotations

import ast
import decimal
import functools
import importlib
import inspect
import json
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ForwardRef

from stripe._list_object import ListObject
from stripe._object_classes import OBJECT_CLASSES
from stripe._search_result_object import SearchResultObject
from stripe._stripe_object import StripeObject, UntypedStripeObject

FIXTURES = Path(__file__).with_name("fixtures3.json")

# Error types the SDK maps to exception classes (``ErrorObject.type`` is typed ``str``; its
# docstring and Stripe's docs list these).
ERROR_TYPES = frozenset({"api_error", "card_error", "idempotency_error", "invalid_request_error"})

# Keys every list / search page carries on the wire; the SDK's ListObject declares only
# ``data``, ``has_more`` and ``url`` (``object`` is implied by the class).
LIST_KEYS = frozenset({"object", "data", "has_more", "url"})
SEARCH_KEYS = frozenset({"object", "data", "has_more", "next_page", "url"})

# Fields Stripe's fixture carries (and the SDK declares) that a default response need not
# carry: they are "includable" (returned only when asked for with ``expand[]``) or only set
# in contexts the emulator never produces. Each entry says why.
MISSING_ALLOWED: dict[str, frozenset[str]] = {
    # ``sources``, ``subscriptions``, ``tax_ids``, ``cash_balance``,
    # ``invoice_credit_balance``: includable lists, absent unless expanded.
    "customer": frozenset(
        {"sources", "subscriptions", "tax_ids", "cash_balance", "invoice_credit_balance", "tax"}
    ),
    # ``line_items``: includable on Checkout Sessions (``expand[]=line_items``).
    "checkout.session": frozenset({"line_items"}),
    # ``external_accounts`` and ``settings`` are omitted for accounts the platform does not
    # control and ``requirements`` only on controlled ones in some versions; the emulator
    # must still send them, so nothing for ``account`` here.
}

# Fields Stripe's fixture sends that the SDK (endive) no longer declares: the fixture data is
# a 2026-07 dahlia snapshot, the SDK is newer. The emulator follows the SDK, so these are
# never expected from it and not reported as missing; listed here so the drift is visible.
FIXTURE_ONLY: dict[str, frozenset[str]] = {
    # Since 2025-03-31.basil an invoice's subscription is ``parent.subscription_details``.
    "invoice": frozenset({"subscription"}),
    # ``aggregate_usage`` went away with legacy usage records (basil); meters replace it.
    "plan": frozenset({"aggregate_usage"}),
}


@dataclass(frozen=True)
class Shape:
    """The declared fields of one SDK class: name → annotation, and where names resolve."""

    cls: type
    fields: dict[str, Any]
    module: str

    @property
    def label(self) -> str:
        return self.cls.__qualname__


# --- reading the SDK ------------------------------------------------------------------------


@functools.cache
def shape(cls: type) -> Shape:
    """Annotations over the MRO, without the StripeObject machinery (private, ClassVar)."""
    fields: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass in (object, StripeObject) or not issubclass(klass, StripeObject):
            continue
        for name, annotation in inspect.get_annotations(klass).items():
            if name.startswith("_") or _is_classvar(annotation):
                continue
            fields[name] = annotation
    remap: dict[str, str] = dict(getattr(cls, "_field_remappings", {}) or {})
    for python_name, wire_name in remap.items():
        if python_name in fields:
            fields[wire_name] = fields.pop(python_name)
    return Shape(cls, fields, cls.__module__)


@functools.cache
def class_for(object_name: str) -> type | None:
    """The SDK class of an ``object`` value (``payment_intent`` → PaymentIntent)."""
    found = OBJECT_CLASSES.get(object_name)
    if found is None:
        return None
    module_name, class_name = found
    cls: type = getattr(importlib.import_module(module_name), class_name)
    return cls


@functools.cache
def _object_names() -> dict[tuple[str, str], str]:
    """(module, class) → ``object`` value, to name the targets of expandable fields."""
    names: dict[tuple[str, str], str] = {}
    for name, target in OBJECT_CLASSES.items():
        names.setdefault(target, name)
    return names


@functools.cache
def _imports(module_name: str) -> dict[str, tuple[str, str]]:
    """Every ``from m import C [as A]`` in a module (TYPE_CHECKING blocks included)."""
    module = sys.modules.get(module_name) or importlib.import_module(module_name)
    source = inspect.getsource(module)
    found: dict[str, tuple[str, str]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                found[alias.asname or alias.name] = (node.module, alias.name)
    return found


@functools.cache
def resolve(module_name: str, name: str) -> type | None:
    """A forward reference's class: imported under TYPE_CHECKING or defined in the module."""
    module = sys.modules.get(module_name) or importlib.import_module(module_name)
    head, _, rest = name.partition(".")
    target: Any = getattr(module, head, None)
    if target is None:
        imported = _imports(module_name).get(head)
        if imported is None:
            return None
        try:
            target = getattr(importlib.import_module(imported[0]), imported[1], None)
        except ImportError:
            return None
    for part in rest.split(".") if rest else ():
        target = getattr(target, part, None)
    return target if isinstance(target, type) else None


def object_name_of(cls: type) -> str | None:
    """The ``object`` value of a top-level resource class (None for nested classes)."""
    name = getattr(cls, "OBJECT_NAME", None)
    if isinstance(name, str):
        return name
    return _object_names().get((cls.__module__, cls.__qualname__))


# --- Stripe's fixtures ------------------------------------------------------------------------


@functools.cache
def _fixtures() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(FIXTURES.read_text())["resources"]
    return data


def fixture(object_name: str) -> dict[str, Any] | None:
    return _fixtures().get(object_name)


def fixture_names() -> list[str]:
    return sorted(_fixtures())


def fixture_keys(object_name: str) -> set[str]:
    """Top-level keys of Stripe's example object (empty when there is no example)."""
    example = fixture(object_name)
    return set(example) if example else set()


def required_keys(object_name: str) -> set[str]:
    """Keys the emulator must send: in Stripe's example and declared by the SDK."""
    cls = class_for(object_name)
    if cls is None:
        return set()
    declared = set(shape(cls).fields) | {"object"}
    allowed_missing = MISSING_ALLOWED.get(object_name, frozenset())
    return (fixture_keys(object_name) & declared) - allowed_missing


# --- checking ---------------------------------------------------------------------------------


class _Checker:
    def __init__(self, *, fixtures: bool, nested_fixtures: bool = True) -> None:
        self.findings: list[str] = []
        self.fixtures = fixtures
        # Stripe's examples embed stubs (``{"id", "object"}``) where they show an expanded
        # object; the emulator always expands to the full object, so it is held to the rule
        # at every depth, a fixture only at its top.
        self.nested_fixtures = nested_fixtures

    def add(self, path: str, message: str) -> None:
        self.findings.append(f"{path}: {message}")

    # objects ----------------------------------------------------------------------------------

    def by_object(self, value: Any, path: str, allowed: set[str] | None = None) -> None:
        """A dict that names its own type with ``object``."""
        if not isinstance(value, dict):
            self.add(path, f"expected an object, got {_show(value)}")
            return
        name = value.get("object")
        if not isinstance(name, str):
            self.add(path, f"object without an 'object' field (keys: {sorted(value)})")
            return
        if allowed is not None and name not in allowed and name not in ("list", "search_result"):
            self.add(path, f"'{name}' where the SDK expects {_choices(allowed)}")
        if name == "list":
            self.listing(value, path, None, LIST_KEYS)
            return
        if name == "search_result":
            self.listing(value, path, None, SEARCH_KEYS)
            return
        cls = class_for(name)
        if cls is None:
            self.add(path, f"unknown object type '{name}' (not in the SDK's OBJECT_CLASSES)")
            return
        self.fields(value, shape(cls), path, name)
        if name == "event":
            self.event(value, path)
        top = path in ("$", "$.data.object")
        if self.fixtures and not value.get("deleted") and (top or self.nested_fixtures):
            self.fixture_rule(value, name, path)

    def listing(self, value: dict[str, Any], path: str, item: Any, keys: frozenset[str]) -> None:
        for key in sorted(set(value) - keys):
            self.add(path, f"list has no field '{key}' (allowed: {sorted(keys)})")
        for key in ("data", "has_more"):
            if key not in value:
                self.add(path, f"list lacks '{key}'")
        if not isinstance(value.get("has_more", False), bool):
            self.add(f"{path}.has_more", f"expected a boolean, got {_show(value['has_more'])}")
        if "url" in value and not isinstance(value["url"], str):
            self.add(f"{path}.url", f"expected a string, got {_show(value['url'])}")
        data = value.get("data", [])
        if not isinstance(data, list):
            self.add(f"{path}.data", f"expected an array, got {_show(data)}")
            return
        for index, entry in enumerate(data):
            where = f"{path}.data[{index}]"
            if item is None:
                self.by_object(entry, where)
            else:
                self.value(entry, item, where)

    def fields(self, value: dict[str, Any], declared: Shape, path: str, name: str) -> None:
        for key, entry in value.items():
            where = f"{path}.{key}"
            if key == "object" and name:
                continue
            annotation = declared.fields.get(key)
            if annotation is None:
                if not name:  # a nested class: its qualified name says where it lives
                    self.add(where, f"{declared.label} has no field '{key}' in the SDK")
                    continue
                has = " (Stripe's fixture has it)" if key in fixture_keys(name) else ""
                self.add(where, f"{name} has no field '{key}' in the SDK ({declared.label}){has}")
                continue
            self.value(entry, annotation, where, declared.module)

    def fixture_rule(self, value: dict[str, Any], name: str, path: str) -> None:
        required = required_keys(name)
        # A type-specific hash (a payment method's ``card``) is Stripe's only for that type:
        # a ``sepa_debit`` PaymentMethod carries ``sepa_debit`` instead of the example's card.
        example_type = (fixture(name) or {}).get("type")
        if isinstance(example_type, str) and value.get("type") not in (None, example_type):
            required = required - {example_type}
        for key in sorted(required - set(value)):
            self.add(
                f"{path}.{key}",
                f"missing: Stripe's example {name} has '{key}' and the SDK declares it",
            )

    def event(self, value: dict[str, Any], path: str) -> None:
        """``data.object`` by its own type; ``previous_attributes`` names its fields."""
        data = value.get("data")
        if not isinstance(data, dict):
            return
        target = data.get("object")
        if not isinstance(target, dict):
            self.add(f"{path}.data.object", f"expected an object, got {_show(target)}")
            return
        self.by_object(target, f"{path}.data.object")
        previous = data.get("previous_attributes")
        cls = class_for(str(target.get("object")))
        if isinstance(previous, dict) and cls is not None:
            known = shape(cls).fields
            for key in sorted(set(previous) - set(known)):
                self.add(
                    f"{path}.data.previous_attributes.{key}",
                    f"{target.get('object')} has no field '{key}' in the SDK",
                )

    def error(self, value: Any, path: str) -> None:
        from stripe._error_object import ErrorObject

        if not isinstance(value, dict):
            self.add(path, f"expected an error object, got {_show(value)}")
            return
        self.fields(value, shape(ErrorObject), path, "")
        kind = value.get("type")
        if kind not in ERROR_TYPES:
            self.add(f"{path}.type", f"{_show(kind)} is not one of {_choices(ERROR_TYPES)}")
        if not isinstance(value.get("message"), str):
            self.add(f"{path}.message", "an error needs a message")

    # values -------------------------------------------------------------------------------------

    def value(self, value: Any, annotation: Any, path: str, module: str = "stripe") -> None:
        if annotation is Any or isinstance(annotation, typing.TypeVar):
            return
        if isinstance(annotation, ForwardRef | str):
            name = annotation.__forward_arg__ if isinstance(annotation, ForwardRef) else annotation
            target = resolve(module, name)
            if target is None:
                return  # an SDK name we cannot resolve: nothing to hold the value to
            annotation = target
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Union or origin is types.UnionType:
            self.union(value, args, path, module)
            return
        if value is None:
            if annotation is not type(None):
                self.add(
                    path, f"null, but the SDK types it {_type_name(annotation)} (not Optional)"
                )
            return
        if origin is typing.Literal:
            if value not in args:
                self.add(path, f"{_show(value)} is not one of {_choices(args)}")
            return
        if origin in (list, typing.List):  # noqa: UP006 - the SDK's own spelling
            if not isinstance(value, list):
                self.add(path, f"expected an array, got {_show(value)}")
                return
            for index, item in enumerate(value):
                self.value(item, args[0] if args else Any, f"{path}[{index}]", module)
            return
        if origin in (dict, typing.Dict):  # noqa: UP006
            if not isinstance(value, dict):
                self.add(path, f"expected a hash, got {_show(value)}")
                return
            for key, item in value.items():
                self.value(item, args[1] if len(args) > 1 else Any, f"{path}.{key}", module)
            return
        cls = origin if isinstance(origin, type) else annotation
        if isinstance(cls, type) and issubclass(cls, StripeObject):
            self.stripe_object(value, cls, args, path)
            return
        self.primitive(value, annotation, path)

    def union(self, value: Any, args: tuple[Any, ...], path: str, module: str) -> None:
        nullable = type(None) in args
        options = [arg for arg in args if arg is not type(None)]
        if value is None:
            if not nullable:
                names = " | ".join(_type_name(arg) for arg in options)
                self.add(path, f"null, but the SDK types it {names} (not Optional)")
            return
        literals = [arg for arg in options if typing.get_origin(arg) is typing.Literal]
        if isinstance(value, str) and literals:
            # ``Union[Literal[...], str]``: the ``str`` is only forward compatibility.
            allowed = tuple(v for lit in literals for v in typing.get_args(lit))
            if value not in allowed:
                self.add(path, f"{_show(value)} is not one of {_choices(allowed)}")
            return
        resolved = [_resolve_arg(arg, module) for arg in options]
        if isinstance(value, str) and str in resolved:
            return  # an id where the field is expandable, or a plain string
        objects = [arg for arg in resolved if _is_stripe_class(arg)]
        if isinstance(value, dict) and objects:
            resources = [arg for arg in objects if object_name_of(_bare(arg)) is not None]
            if resources and "object" in value:
                targets = {str(object_name_of(_bare(arg))) for arg in resources}
                self.by_object(value, path, targets)
                return
            if len(objects) == 1:
                self.value(value, objects[0], path, module)
                return
            # Several nested variants: the value is right if any of them fits it.
            best: list[str] | None = None
            for option in objects:
                trial = _Checker(fixtures=self.fixtures, nested_fixtures=self.nested_fixtures)
                trial.value(value, option, path, module)
                if best is None or len(trial.findings) < len(best):
                    best = trial.findings
            self.findings.extend(best or [])
            return
        for option in resolved:
            if _accepts(value, option):
                self.value(value, option, path, module)
                return
        names = " | ".join(_type_name(arg) for arg in options)
        self.add(path, f"{_show(value)} does not fit {names}")

    def stripe_object(self, value: Any, cls: type, args: tuple[Any, ...], path: str) -> None:
        if issubclass(cls, ListObject):
            if not isinstance(value, dict) or value.get("object") != "list":
                self.add(path, f"expected a list object, got {_show(value)}")
                return
            self.listing(value, path, args[0] if args else None, LIST_KEYS)
            return
        if issubclass(cls, SearchResultObject):
            if not isinstance(value, dict) or value.get("object") != "search_result":
                self.add(path, f"expected a search_result, got {_show(value)}")
                return
            self.listing(value, path, args[0] if args else None, SEARCH_KEYS)
            return
        if not isinstance(value, dict):
            self.add(path, f"expected a {cls.__qualname__} object, got {_show(value)}")
            return
        if issubclass(cls, UntypedStripeObject):
            for key, item in value.items():
                self.value(item, args[0] if args else Any, f"{path}.{key}", cls.__module__)
            return
        resource = object_name_of(cls)
        if resource is not None:
            self.by_object(value, path, {resource})
            return
        self.fields(value, shape(typing.cast("type", cls)), path, "")

    def primitive(self, value: Any, annotation: Any, path: str) -> None:
        if annotation is bool:
            ok = isinstance(value, bool)
        elif annotation is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif annotation is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif annotation is str:
            ok = isinstance(value, str)
        elif annotation is type(None):
            ok = value is None
        elif annotation is decimal.Decimal:
            # ``_field_encodings``: decimals travel as strings ("2000.5").
            ok = isinstance(value, str) and _is_decimal(value)
        else:
            return  # Decimal-like or SDK helper types: the SDK itself does not constrain them
        if not ok:
            kind = "a decimal string" if annotation is decimal.Decimal else _type_name(annotation)
            self.add(path, f"expected {kind}, got {_show(value)}")


def _is_decimal(text: str) -> bool:
    try:
        decimal.Decimal(text)
    except decimal.InvalidOperation:
        return False
    return True


def _resolve_arg(arg: Any, module: str) -> Any:
    if isinstance(arg, ForwardRef):
        return resolve(module, arg.__forward_arg__) or Any
    return arg


def _bare(arg: Any) -> type:
    origin = typing.get_origin(arg)
    return origin if isinstance(origin, type) else arg


def _is_classvar(annotation: Any) -> bool:
    return annotation is typing.ClassVar or typing.get_origin(annotation) is typing.ClassVar


def _is_stripe_class(arg: Any) -> bool:
    bare = _bare(arg)
    return isinstance(bare, type) and issubclass(bare, StripeObject)


def _accepts(value: Any, option: Any) -> bool:
    """Whether ``value`` is of the JSON kind an annotation option describes."""
    if option is Any:
        return True
    origin = typing.get_origin(option)
    if origin is typing.Literal:
        return value in typing.get_args(option)
    if origin in (list, typing.List):  # noqa: UP006
        return isinstance(value, list)
    if origin in (dict, typing.Dict) or _is_stripe_class(option):  # noqa: UP006
        return isinstance(value, dict)
    if option is bool:
        return isinstance(value, bool)
    if option is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if option is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if option is str or option is decimal.Decimal:
        return isinstance(value, str)
    return not isinstance(option, type)


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__qualname__
    return str(annotation).replace("typing.", "")


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _choices(values: Any) -> str:
    ordered = sorted(str(v) for v in values)
    if len(ordered) > 12:
        return "[" + ", ".join(ordered[:12]) + f", … {len(ordered) - 12} more]"
    return "[" + ", ".join(ordered) + "]"


# --- entry points ---------------------------------------------------------------------------


def check(body: Any, *, fixtures: bool = True) -> list[str]:
    """Findings for one response body (a Stripe object, a list, or an error envelope)."""
    checker = _Checker(fixtures=fixtures)
    if isinstance(body, dict) and set(body) == {"error"}:
        checker.error(body["error"], "error")
    elif isinstance(body, dict):
        checker.by_object(body, "$")
    else:
        checker.add("$", f"a response body must be a JSON object, got {_show(body)}")
    return checker.findings


def check_fixture(object_name: str) -> list[str]:
    """Findings for Stripe's own example of ``object_name`` (drift between fixture and SDK).

    Stubs the example embeds for expanded objects are not held to the fixture rule, and the
    fields listed in ``FIXTURE_ONLY`` are the known drift, so they are left out.
    """
    example = fixture(object_name)
    if example is None:
        return [f"$: Stripe's fixtures have no example {object_name}"]
    checker = _Checker(fixtures=True, nested_fixtures=False)
    checker.by_object(example, "$")
    return [finding for finding in checker.findings if not _known_drift(finding)]


def _known_drift(finding: str) -> bool:
    return any(
        f"{name} has no field '{field}' in the SDK" in finding
        for name, fields in FIXTURE_ONLY.items()
        for field in fields
    )
