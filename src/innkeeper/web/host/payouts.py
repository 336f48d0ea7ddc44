"""Payouts: the organization's Stripe Express account (open it and finish Stripe's hosted
onboarding, see what Stripe still needs) and the account's payouts to the bank.

Onboarding leaves the site: a POST makes a fresh single-use account link and answers 303 to
it (in development, the bundled emulator's onboarding page). Stripe sends the host back to
``/payouts/return`` (the status is read from Stripe, never inferred from coming back) or,
when a link expired, to ``/payouts/refresh`` for a new one."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.accounts.domain import Permission
from innkeeper.core.errors import Conflict, DomainError
from innkeeper.deps import ServicesDep
from innkeeper.payments import connect
from innkeeper.payments.domain import PaymentProviderUnavailable
from innkeeper.services import Services
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FormReader
from innkeeper.web.host.context import HostContext, HostDep
from innkeeper.web.render import redirect, render

router = page_router()
PAGE = "/host/{org_id:uuid}/payouts"
STATES = {
    "enabled": "Ready: you can take bookings and Stripe pays out to your bank.",
    "restricted": "You can take bookings, but payouts are paused until Stripe gets what it "
    "asks for below.",
    "pending": "Onboarding is not finished: guests cannot pay you yet.",
    "disabled": "Stripe does not let this account take payments; see what it asks for below.",
}


@router.get(PAGE, response_class=HTMLResponse)
def payouts_page(request: Request, host: HostDep, services: ServicesDep) -> Response:
    return _page(request, services, host)


@router.post(PAGE + "/onboarding", response_class=HTMLResponse)
def start_onboarding(
    request: Request, host: HostDep, form: CheckedForm, services: ServicesDep
) -> Response:
    """Open the account if there is none, then off to Stripe's onboarding."""
    reader = FormReader(form)
    try:
        connect.open_account(services, host.viewer.actor, host.org.id, None)
        link = _link(services, host)
    except (Conflict, PaymentProviderUnavailable) as error:
        reader.absorb(error)
        return _page(request, services, host, reader)
    return redirect(link.url)


@router.get(PAGE + "/refresh", response_class=HTMLResponse)
def refresh_link(host: HostDep, services: ServicesDep) -> Response:
    """Stripe sends the host here when a link expired or was used: straight to a new one."""
    return redirect(_link(services, host).url)


@router.get(PAGE + "/return", response_class=HTMLResponse)
def back_from_onboarding(host: HostDep, services: ServicesDep) -> Response:
    row = connect.status(services, host.viewer.actor, host.org.id, None, refresh=True)
    state = connect.state_of(row)
    message = "Your payout account is ready." if state == "enabled" else STATES[state]
    return redirect(f"{host.base}/payouts", flash=message)


@router.post(PAGE + "/sync", response_class=HTMLResponse)
def sync_status(
    request: Request, host: HostDep, form: CheckedForm, services: ServicesDep
) -> Response:
    """Read the account's status from Stripe now."""
    reader = FormReader(form)
    try:
        connect.status(services, host.viewer.actor, host.org.id, None, refresh=True)
    except (Conflict, PaymentProviderUnavailable) as error:
        reader.absorb(error)
        return _page(request, services, host, reader)
    return redirect(f"{host.base}/payouts", flash="Status read from Stripe.")


@router.post(PAGE + "/dashboard", response_class=HTMLResponse)
def open_dashboard(
    request: Request, host: HostDep, form: CheckedForm, services: ServicesDep
) -> Response:
    """Stripe's Express dashboard (bank account, payout schedule, tax forms)."""
    reader = FormReader(form)
    try:
        link = connect.dashboard_link(services, host.viewer.actor, host.org.id, None)
    except (Conflict, PaymentProviderUnavailable) as error:
        reader.absorb(error)
        return _page(request, services, host, reader)
    return redirect(link.url)


def _link(services: Services, host: HostContext) -> connect.Link:
    base = f"{host.base}/payouts"
    return connect.onboarding_link(
        services, host.viewer.actor, host.org.id, None, back_to=lambda page: f"{base}/{page}"
    )


def _page(
    request: Request, services: Services, host: HostContext, reader: FormReader | None = None
) -> Response:
    actor = host.viewer.actor
    try:
        account = connect.status(services, actor, host.org.id, None)
    except connect.NoPayoutAccount:
        account = None
    payouts: list[connect.PayoutView] = []
    unavailable = None
    if account is not None and account.details_submitted:
        try:
            payouts = connect.payouts_of(services, actor, host.org.id, None)
        except DomainError as error:  # Stripe did not answer: the page still shows the rest
            unavailable = error.message
    state = None if account is None else connect.state_of(account)
    return render(
        request,
        "host/payouts.html.j2",
        status=422 if reader is not None else 200,
        **host.layout(),
        account=account,
        state=state,
        state_text=STATES.get(state or "", ""),
        payouts=payouts,
        unavailable=unavailable,
        may_manage=host.may(Permission.EDIT_ORGANIZATION) or host.role in connect.MANAGERS,
        errors=reader.errors if reader else {},
    )
