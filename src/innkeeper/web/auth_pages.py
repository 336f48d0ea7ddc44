"""Sign up, log in, log out and the account page: the session cookie's whole life."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from innkeeper.accounts import service as accounts
from innkeeper.accounts.domain import check_password
from innkeeper.core.errors import DomainError
from innkeeper.core.zones import is_time_zone
from innkeeper.deps import SESSION_COOKIE, ClientIp, ServicesDep
from innkeeper.services import Services
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FormReader
from innkeeper.web.render import redirect, render
from innkeeper.web.viewer import MaybeViewer, ViewerDep

router = page_router()
LOCALES = [("en", "English"), ("ar", "العربية")]


def safe_next(value: str | None) -> str:
    """Only a path on this site: an open redirect would let a link send people anywhere."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, viewer: MaybeViewer, next: str | None = None) -> Response:
    if viewer is not None:
        return redirect(safe_next(next))
    return render(request, "auth/login.html.j2", next_url=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def log_in(request: Request, form: CheckedForm, services: ServicesDep, ip: ClientIp) -> Response:
    reader = FormReader(form)
    email = reader.text("email", max_length=320)
    password = reader.text("password", max_length=256)
    next_url = safe_next(reader.raw("next"))
    if reader.ok and email and password:
        try:
            issued = accounts.log_in(services, email, password, ip_address=ip)
        except DomainError as error:
            reader.absorb(error)
        else:
            return _start_session(services, redirect(next_url), issued)
    return render(
        request,
        "auth/login.html.j2",
        status=422 if reader.errors.keys() - {"_form"} else 401,
        form=reader.values,
        errors=reader.errors,
        next_url=next_url,
    )


@router.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request, viewer: MaybeViewer, next: str | None = None) -> Response:
    if viewer is not None:
        return redirect(safe_next(next))
    return render(request, "auth/signup.html.j2", next_url=safe_next(next))


@router.post("/signup", response_class=HTMLResponse)
def sign_up(request: Request, form: CheckedForm, services: ServicesDep) -> Response:
    reader = FormReader(form)
    name = reader.text("name", max_length=200)
    email = reader.email("email")
    password = reader.text("password", max_length=256)
    if password:
        try:
            check_password(password, email=email or "")
        except DomainError as error:
            reader.absorb(error)
    phone = reader.text("phone", required=False, max_length=20)
    next_url = safe_next(reader.raw("next"))
    if reader.ok and name and email and password:
        try:
            issued = accounts.sign_up(
                services, accounts.SignUp(email=email, password=password, name=name, phone=phone)
            )
        except DomainError as error:
            reader.absorb(error)
        else:
            response = redirect(next_url, flash=f"Welcome to Innkeeper, {issued.user.name}.")
            return _start_session(services, response, issued)
    return render(
        request,
        "auth/signup.html.j2",
        status=422,
        form=reader.values,
        errors=reader.errors,
        next_url=next_url,
    )


@router.post("/logout")
def log_out(request: Request, form: CheckedForm, services: ServicesDep) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        accounts.log_out(services, secret)
    response = redirect("/", flash="You are logged out.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, viewer: ViewerDep, services: ServicesDep) -> Response:
    return _account(request, services, viewer)


@router.post("/account", response_class=HTMLResponse)
def update_account(
    request: Request, viewer: ViewerDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)
    name = reader.text("name", max_length=200)
    phone = reader.text("phone", required=False, max_length=20)
    locale = reader.choice("locale", [code for code, _ in LOCALES])
    zone = reader.text("time_zone", max_length=64)
    if zone and not is_time_zone(zone):
        reader.error("time_zone", "is not a time zone name, like Asia/Dubai")
    if reader.ok:
        changes = accounts.ProfileChanges(
            name=name, phone=phone, clear_phone=phone is None, locale=locale, time_zone=zone
        )
        try:
            accounts.update_profile(services, viewer.actor, changes)
        except DomainError as error:
            reader.absorb(error)
        else:
            return redirect("/account", flash="Your profile is saved.")
    return _account(request, services, viewer, reader, section="profile")


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request, viewer: ViewerDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)
    current = reader.text("current_password", max_length=256)
    new = reader.text("new_password", max_length=256)
    if reader.ok and current and new:
        auth = accounts.authenticate_session(services, viewer.session_secret)
        try:
            accounts.change_password(
                services, viewer.actor, current, new, keep_session=auth.session_id
            )
        except DomainError as error:
            reader.absorb(error)
        else:
            return redirect("/account", flash="Your password is changed; other sessions ended.")
    return _account(request, services, viewer, reader, section="password")


def _account(
    request: Request,
    services: Services,
    viewer: ViewerDep,
    reader: FormReader | None = None,
    section: str = "",
) -> Response:
    user = accounts.get_profile(services, viewer.actor).user
    profile_form = {
        "name": user.name,
        "phone": user.phone or "",
        "locale": user.locale,
        "time_zone": user.time_zone,
    }
    return render(
        request,
        "account/profile.html.j2",
        status=422 if reader is not None else 200,
        form=reader.values if reader else {},
        errors=reader.errors if reader else {},
        profile_form=profile_form,
        section=section,
        locales=LOCALES,
    )


def _start_session(
    services: Services, response: Response, issued: accounts.IssuedSession
) -> Response:
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        max_age=services.settings.session_days * 86400,
        httponly=True,
        secure=services.settings.session_cookie_secure,
        samesite="lax",
        path="/",
    )
    return response
