"""Idempotent Stripe writes: an operation row is committed before the call, and its id is
the idempotency key. A retry (the SDK's, a job's, the guest pressing the button again) with
the same business ``purpose`` finds the same row and sends the same key, so Stripe answers
with the object it already made instead of making a second one.

No database transaction is open while Stripe is called (DESIGN rule 4): the row is written
in one short transaction, the call is made, the result is written in another.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import stripe
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from innkeeper.payments.domain import OperationStatus, idempotency_key
from innkeeper.payments.gateway import is_transient, raise_for
from innkeeper.payments.models import Operation
from innkeeper.services import Services

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Call:
    """What to send: the operation's kind and params (kept for the audit trail), the
    business step it serves (``purpose``: one Stripe object per purpose, ever) and the
    connected account it acts on, if any."""

    kind: str
    params: dict[str, Any]
    purpose: str | None = None
    payment_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    stripe_account: str | None = None


def run(
    svc: Services,
    call: Call,
    send: Callable[[dict[str, Any], stripe.RequestOptions], T],
    *,
    fetch: Callable[[str], T] | None = None,
) -> T:
    """Send ``call`` once, whatever happens. ``send(params, options)`` makes the request;
    ``fetch(id)`` re-reads an object this purpose already made (Stripe keeps idempotency
    keys for 24 hours only, our rows keep them for ever)."""
    operation = begin(svc, call)
    if operation.status is OperationStatus.SUCCEEDED and operation.stripe_id and fetch:
        return fetch(operation.stripe_id)
    options: stripe.RequestOptions = {"idempotency_key": idempotency_key(operation.id)}
    if call.stripe_account:
        options["stripe_account"] = call.stripe_account
    try:
        result = send(dict(operation.params), options)
    except stripe.StripeError as error:
        if not is_transient(error):
            finish(svc, operation.id, failed=error)
        raise_for(error)
    finish(svc, operation.id, stripe_id=_id_of(result))
    return result


def begin(svc: Services, call: Call) -> Operation:
    """The operation row for ``call``: a new one, or the one already made for its purpose
    (its params win, so a retry sends exactly what the first attempt sent)."""
    now = svc.clock.now()
    with svc.uow() as uow:
        values = {
            "id": uuid.uuid4(),
            "kind": call.kind,
            "purpose": call.purpose,
            "payment_id": call.payment_id,
            "booking_id": call.booking_id,
            "params": call.params,
            "stripe_account": call.stripe_account,
            "status": OperationStatus.STARTED.value,
            "attempts": 1,
            "created_at": now,
        }
        statement = insert(Operation).values(**values)
        if call.purpose is not None:
            statement = statement.on_conflict_do_update(
                index_elements=["purpose"],
                index_where=Operation.purpose.isnot(None),
                set_={"attempts": Operation.attempts + 1},
            )
        operation_id = uow.session.scalar(statement.returning(Operation.id))
        operation = uow.session.scalars(select(Operation).where(Operation.id == operation_id)).one()
        uow.commit()
    return operation


def finish(
    svc: Services,
    operation_id: uuid.UUID,
    *,
    stripe_id: str | None = None,
    failed: stripe.StripeError | None = None,
) -> None:
    with svc.uow() as uow:
        operation = uow.session.get(Operation, operation_id, with_for_update=True)
        if operation is None:  # pragma: no cover - rows are never deleted
            return
        operation.finished_at = svc.clock.now()
        if failed is None:
            operation.status, operation.stripe_id = OperationStatus.SUCCEEDED, stripe_id
        else:
            operation.status = OperationStatus.FAILED
            operation.error_code = failed.code
            operation.error_message = (failed.user_message or str(failed))[:1000]
        uow.commit()


def _id_of(result: object) -> str | None:
    found = getattr(result, "id", None)
    return found if isinstance(found, str) else None
