"""``/admin/payments`` and ``/admin/refunds``: every payment and refund, filtered by status,
date and organization; one payment with its refunds, disputes and ledger postings, and
the admin's refund of it.

The refund form carries an idempotency key made when the form is rendered: sending the
same form twice (a double click, a retry after a timeout) refunds once.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Final

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper import api
from innkeeper.admin import reports
from innkeeper.core.errors import DomainError
from innkeeper.core.money import Money
from innkeeper.deps import ServicesDep
from innkeeper.payments import refunds
from innkeeper.payments.domain import PaymentKind, PaymentStatus, RefundStatus
from innkeeper.services import Services
from innkeeper.web.admin.common import PAGE_SIZE, Filters, options
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FORM_ERROR, FormReader
from innkeeper.web.render import money, redirect, render
from innkeeper.web.viewer import AdminDep, Viewer

router = page_router()
KEY: Final = re.compile(r"^[\x21-\x7e]{1,100}$")  # what the API's Idempotency-Key allows


@router.get("/admin/payments", response_class=HTMLResponse)
def payment_list(request: Request, viewer: AdminDep, services: ServicesDep) -> Response:
    filters = Filters(request)
    window = filters.window()
    chosen = reports.PaymentFilters(
        status=filters.choice("status", PaymentStatus), kind=filters.choice("kind", PaymentKind),
        organization_id=filters.uuid("organization"), since=window.since, until=window.until,
    )  # fmt: skip
    page = reports.payments(services, viewer.actor, chosen, limit=PAGE_SIZE, offset=filters.offset)
    return render(
        request, "admin/payments.html.j2", status=422 if filters.errors else 200,
        page=page, base=filters.base(), form=filters.values, errors=filters.errors,
        status_options=options(PaymentStatus), kind_options=options(PaymentKind),
    )  # fmt: skip


@router.get("/admin/payments/{payment_id}", response_class=HTMLResponse)
def payment_page(
    request: Request, payment_id: uuid.UUID, viewer: AdminDep, services: ServicesDep
) -> Response:
    return _detail(request, viewer, services, payment_id)


@router.post("/admin/payments/{payment_id}/refunds", response_class=HTMLResponse)
def refund_payment(
    request: Request, payment_id: uuid.UUID, viewer: AdminDep, form: CheckedForm,
    services: ServicesDep,
) -> Response:  # fmt: skip
    detail = reports.payment_detail(services, viewer.actor, payment_id)
    currency = detail.line.payment.currency
    reader = FormReader(form)
    amount = reader.money("amount", currency, required=False)
    if amount is not None and amount.minor == 0:
        reader.error("amount", "must be more than zero")
    reason = reader.text("reason", max_length=1000)
    key = reader.raw("idempotency_key")
    if not KEY.match(key):
        reader.error(FORM_ERROR, "the form is missing its key; reload the page and try again")
    if reader.ok and reason:
        try:
            row = refunds.refund_of_payment(
                services, viewer.actor, payment_id, reason=reason, client_key=key,
                amount=None if amount is None else amount.minor,
            )  # fmt: skip
        except DomainError as error:
            reader.absorb(error, aliases={"amount_minor": "amount"})
            status = api.status_for(error)
        else:
            given = money(Money(row.amount_minor, row.currency))
            return redirect(
                f"/admin/payments/{payment_id}", flash=f"Refund of {given}: {row.status}."
            )
    else:
        status = 422
    return _detail(request, viewer, services, payment_id, reader, status=status)


@router.get("/admin/refunds", response_class=HTMLResponse)
def refund_list(request: Request, viewer: AdminDep, services: ServicesDep) -> Response:
    filters = Filters(request)
    window = filters.window()
    chosen = reports.RefundFilters(
        status=filters.choice("status", RefundStatus),
        organization_id=filters.uuid("organization"), since=window.since, until=window.until,
    )  # fmt: skip
    page = reports.refund_list(
        services, viewer.actor, chosen, limit=PAGE_SIZE, offset=filters.offset
    )
    return render(
        request, "admin/refunds.html.j2", status=422 if filters.errors else 200,
        page=page, base=filters.base(), form=filters.values, errors=filters.errors,
        status_options=options(RefundStatus),
    )  # fmt: skip


def _detail(
    request: Request, viewer: Viewer, services: Services, payment_id: uuid.UUID,
    reader: FormReader | None = None, status: int = 200,
) -> Response:  # fmt: skip
    detail = reports.payment_detail(services, viewer.actor, payment_id)
    form: dict[str, Any] = {"idempotency_key": str(uuid.uuid4())}  # one per rendered form
    if reader is not None:
        form = (
            reader.values
            if KEY.match(reader.raw("idempotency_key"))
            else form | {k: v for k, v in reader.values.items() if k != "idempotency_key"}
        )  # a refused form keeps its key: sending it again cannot refund twice
    return render(
        request, "admin/payment.html.j2", status=status, detail=detail,
        payment=detail.line.payment, form=form, errors=reader.errors if reader else {},
    )  # fmt: skip
