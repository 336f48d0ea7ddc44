"""Connect events: a connected account's state, its payout bank accounts and its people.

Account events never trust the payload: the account is read again and written through
``payments.connect.apply_account``, so whichever order they come in, the row ends as Stripe
has it now. A payee that can no longer take charges makes its listings unbookable
(``payees.ready_payee`` reads the row). A deauthorization needs no read (the account is out
of our reach from then on): the row simply stops taking charges and payouts.

Bank accounts and persons become redacted compliance records (``webhooks.records``), read
again where they can be, so a late ``updated`` never overwrites newer details; a deletion
is for ever. Events for accounts that are not ours are ignored.
"""

from __future__ import annotations

from typing import Any

import stripe

from innkeeper.payments import connect
from innkeeper.payments.models import PayoutAccount
from innkeeper.webhooks import records
from innkeeper.webhooks.registry import Context, handles

GROUP = "connect"


@handles(
    "account.updated",
    "account.application.authorized",
    group=GROUP,
    effect=(
        "Re-reads the connected account and keeps its payout status (charges, payouts, "
        "requirements); a payee that loses charges_enabled makes its listings unbookable."
    ),
)
def on_account(ctx: Context) -> None:
    account_id = ctx.account or _account_object_id(ctx.object)
    if account_id is None:
        ctx.effect("ignored", "the event names no connected account")
        return
    sync(ctx, account_id)


@handles(
    "capability.updated",
    group=GROUP,
    effect="Re-reads the capability's account and keeps its payout status, as account.updated.",
)
def on_capability(ctx: Context) -> None:
    account_id = getattr(ctx.object, "account", None) or ctx.account
    if not account_id:
        ctx.effect("ignored", "the capability names no account")
        return
    sync(ctx, _id(account_id))


@handles(
    "account.application.deauthorized",
    group=GROUP,
    effect=(
        "The account disconnected Innkeeper: without reading it (it is out of reach), it "
        "takes no more charges or payouts (disabled_reason application_deauthorized, "
        "audited), so its listings cannot be booked."
    ),
)
def on_deauthorized(ctx: Context) -> None:
    if ctx.account is None:
        ctx.effect("ignored", "the event names no connected account")
        return
    row = connect.deauthorize(ctx.svc, ctx.account)
    if row is None:
        ctx.effect("ignored", f"{ctx.account} is not an Innkeeper payout account")
        return
    ctx.effect(
        "payout_account",
        f"{ctx.account} disconnected Innkeeper: it takes no charges or payouts, and its "
        "listings cannot be booked until it connects again",
    )


def sync(ctx: Context, account_id: str) -> None:
    """Read the account now and keep what it says (``connect.sync_account``, tolerating an
    account we can no longer read)."""
    if connect.account_row(ctx.svc, account_id) is None:
        ctx.effect("ignored", f"{account_id} is not an Innkeeper payout account")
        return
    account = _read_account(ctx, account_id)
    if account is None:
        ctx.effect(
            "ignored",
            f"{account_id} can no longer be read at Stripe (disconnected): kept as it was",
        )
        return
    row = connect.apply_account(ctx.svc, account)
    if row is None:  # pragma: no cover - removed between the two reads
        ctx.effect("ignored", f"{account_id} is not an Innkeeper payout account")
        return
    ctx.effect("payout_account", _describe(row))


def _read_account(ctx: Context, account_id: str) -> Any:
    """The account as Stripe has it, or None when our platform can no longer read it."""
    try:
        return ctx.svc.stripe.v1.accounts.retrieve(account_id)
    except stripe.PermissionError:
        return None
    except stripe.InvalidRequestError as error:
        if error.code in ("account_invalid", "resource_missing"):
            return None
        raise


def _describe(row: PayoutAccount) -> str:
    state = connect.state_of(row)
    detail = f"{row.stripe_account_id} is {state}"
    if row.requirements_due:
        detail += f" (due: {', '.join(row.requirements_due[:5])})"
    elif row.disabled_reason:
        detail += f" ({row.disabled_reason})"
    if not row.charges_enabled:
        detail += "; its listings cannot be booked"
    return detail


# --- bank accounts and persons --------------------------------------------------------------


@handles(
    "account.external_account.created",
    "account.external_account.updated",
    "account.external_account.deleted",
    group=GROUP,
    effect=(
        "Keeps a redacted compliance record of the payout bank account or card (bank name, "
        "country, currency, last 4, status, default; never the number); deleted on .deleted."
    ),
)
def on_external_account(ctx: Context) -> None:
    keep_record(ctx)


@handles(
    "person.created",
    "person.updated",
    "person.deleted",
    group=GROUP,
    effect=(
        "Keeps a redacted compliance record of the person (initials, roles, verification "
        "status, requirements due; never id numbers, birth date or address); deleted on "
        ".deleted."
    ),
)
def on_person(ctx: Context) -> None:
    keep_record(ctx)


def keep_record(ctx: Context) -> None:
    payload = ctx.object.to_dict()
    account_id = ctx.account or payload.get("account")
    kind = records.kind_of(payload)
    if not account_id or kind is None:
        ctx.effect("ignored", f"{ctx.event.type} names no connected account or known object")
        return
    if connect.account_row(ctx.svc, str(account_id)) is None:
        ctx.effect("ignored", f"{account_id} is not an Innkeeper payout account")
        return
    current, deleted = payload, str(ctx.event.type).endswith(".deleted")
    if not deleted:
        current, deleted = _read_record(ctx, str(account_id), kind, payload)
    gone = records.upsert(ctx.svc, str(account_id), current, deleted=deleted)
    what = "deleted" if gone else "recorded"
    ctx.effect("connect_record", f"{_label(current)} on {account_id} {what}")


def _read_record(
    ctx: Context, account_id: str, kind: str, payload: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """The object as Stripe has it now, and whether it is deleted; the payload itself when
    the account can no longer be read."""
    accounts = ctx.svc.stripe.v1.accounts
    try:
        if kind == records.PERSON:
            found = accounts.persons.retrieve(account_id, str(payload["id"]))
        else:
            found = accounts.external_accounts.retrieve(account_id, str(payload["id"]))
    except stripe.PermissionError:
        return payload, False
    except stripe.InvalidRequestError as error:
        if error.code == "resource_missing" or error.http_status == 404:
            return payload, True
        raise
    current: dict[str, Any] = found.to_dict()
    return current, False


def _label(obj: dict[str, Any]) -> str:
    summary = records.redact(obj)
    if summary["type"] == "person":
        return f"person {obj.get('id')} ({', '.join(summary['roles']) or 'no role'})"
    return f"{summary['type'].replace('_', ' ')} {obj.get('id')} ending {summary.get('last4')}"


def _account_object_id(obj: Any) -> str | None:
    return str(obj.id) if getattr(obj, "object", None) == "account" else None


def _id(value: Any) -> str:
    return str(value if isinstance(value, str) else value["id"])
