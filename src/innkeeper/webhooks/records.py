"""Compliance records of connected accounts: their payout bank accounts (and debit cards)
and the people Stripe verified for them, as Stripe last described them.

Stripe holds the data; we keep what an admin may need to answer "which bank account does
this host get paid to, and who is verified on it", and nothing more: never a full account
or card number, an id number, a date of birth or an address. ``redact`` is the only way a
Stripe object becomes a summary. A record is keyed by its Stripe id; ``deleted`` is for
ever (Stripe never reuses ids), so a late ``updated`` never brings a deleted one back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert

from innkeeper.accounts.domain import Actor
from innkeeper.accounts.service import require_admin
from innkeeper.core.errors import InvalidInput, Unauthenticated
from innkeeper.payments.models import ConnectRecord
from innkeeper.services import Services

EXTERNAL_ACCOUNT: Final = "external_account"
PERSON: Final = "person"
KINDS: Final = (EXTERNAL_ACCOUNT, PERSON)

BANK_FIELDS: Final = ("bank_name", "country", "currency", "last4", "status",
                      "default_for_currency")  # fmt: skip
CARD_FIELDS: Final = ("brand", "country", "currency", "last4", "exp_month", "exp_year",
                      "default_for_currency")  # fmt: skip
ROLES: Final = ("representative", "owner", "director", "executive", "authorizer",
                "legal_guardian")  # fmt: skip


def kind_of(obj: Mapping[str, Any]) -> str | None:
    """``external_account`` (a bank account or a debit card), ``person``, or None."""
    match obj.get("object"):
        case "bank_account" | "card":
            return EXTERNAL_ACCOUNT
        case "person":
            return PERSON
        case _:
            return None


def redact(obj: Mapping[str, Any]) -> dict[str, Any]:
    """What we keep of a bank account, a card or a person: an allow-list, so a field Stripe
    adds later is left out until someone decides it may be kept."""
    match obj.get("object"):
        case "bank_account":
            return {"type": "bank_account", **_pick(obj, BANK_FIELDS)}
        case "card":
            return {"type": "card", **_pick(obj, CARD_FIELDS)}
        case "person":
            return _person(obj)
        case other:
            return {"type": str(other)}


def _person(obj: Mapping[str, Any]) -> dict[str, Any]:
    relationship = _map(obj.get("relationship"))
    requirements = _map(obj.get("requirements"))
    verification = _map(obj.get("verification"))
    return {
        "type": "person",
        "initials": "".join(_initial(obj.get(k)) for k in ("first_name", "last_name")),
        "roles": [role for role in ROLES if relationship.get(role)],
        "title": relationship.get("title"),
        "verification": verification.get("status"),
        "currently_due": list(requirements.get("currently_due") or []),
        "past_due": list(requirements.get("past_due") or []),
    }


def _pick(obj: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    return {field: obj.get(field) for field in fields}


def _initial(name: Any) -> str:
    return f"{str(name).strip()[:1].upper()}." if name and str(name).strip() else ""


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def upsert(svc: Services, account: str, obj: Mapping[str, Any], *, deleted: bool) -> bool:
    """Write the redacted record of ``obj`` (a Stripe bank account, card or person on the
    connected ``account``); True if it is (now) marked deleted. Once deleted, a record keeps
    its last summary: only a deletion may be applied to it."""
    kind = kind_of(obj)
    if kind is None:
        raise ValueError(f"not an external account or a person: {obj.get('object')!r}")
    now = svc.clock.now()
    statement = insert(ConnectRecord).values(
        stripe_id=str(obj["id"]), stripe_account=account, kind=kind, summary=redact(obj),
        deleted=deleted, updated_at=now,
    )  # fmt: skip
    statement = statement.on_conflict_do_update(
        index_elements=["stripe_id"],
        set_={
            "summary": case(
                (ConnectRecord.deleted, ConnectRecord.summary), else_=statement.excluded.summary
            ),
            "deleted": ConnectRecord.deleted | statement.excluded.deleted,
            "updated_at": now,
        },
    )
    with svc.uow() as uow:
        gone = uow.session.scalar(statement.returning(ConnectRecord.deleted))
        uow.commit()
    return bool(gone)


# --- for admins ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordPage:
    items: Sequence[ConnectRecord]
    total: int
    limit: int
    offset: int


def search(
    svc: Services,
    actor: Actor | None,
    *,
    stripe_account: str | None = None,
    kind: str | None = None,
    include_deleted: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> RecordPage:
    """Records newest first, for one connected account or all; admins only (a 404 to
    anyone else, as every admin route)."""
    if actor is None:
        raise Unauthenticated("log in first")
    require_admin(actor)
    if kind is not None and kind not in KINDS:
        raise InvalidInput.for_field("kind", f"must be one of {', '.join(KINDS)}")
    conditions = []
    if stripe_account:
        conditions.append(ConnectRecord.stripe_account == stripe_account)
    if kind is not None:
        conditions.append(ConnectRecord.kind == kind)
    if not include_deleted:
        conditions.append(ConnectRecord.deleted.is_(False))
    with svc.uow() as uow:
        total = uow.session.scalar(
            select(func.count()).select_from(ConnectRecord).where(*conditions)
        )
        rows = uow.session.scalars(
            select(ConnectRecord)
            .where(*conditions)
            .order_by(ConnectRecord.updated_at.desc(), ConnectRecord.stripe_id)
            .limit(limit)
            .offset(offset)
        ).all()
    return RecordPage(rows, int(total or 0), limit, offset)
