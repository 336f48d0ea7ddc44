"""The host's listings: the list, a new listing, and the editor.

The editor is one page of sections, each its own form posting to the listing's address with
a ``section`` field. Every section builds the same request body the JSON API takes (so the
API's schema checks the same limits), turns it into the service's input with the API
router's own converters, and calls the service the API calls. A refusal shows beside the
field it names, in the section that was sent, with what was typed kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ValidationError

from innkeeper.accounts.domain import Permission
from innkeeper.availability import service as availability
from innkeeper.availability.router import availability_out, settings_from
from innkeeper.availability.schemas import AvailabilityIn
from innkeeper.bookings.policies import PolicyKind
from innkeeper.catalog import service as catalog
from innkeeper.catalog.domain import AMENITIES, ExperienceCategory, ListingAction, ListingKind
from innkeeper.catalog.repository import ListingFilters
from innkeeper.catalog.router import PRICE_PER, changes_from, draft_from, listing_out
from innkeeper.catalog.schemas import ListingCreate, ListingOut, ListingUpdate
from innkeeper.core.currency import is_supported
from innkeeper.core.errors import DomainError, Forbidden, NotFound, Unauthenticated
from innkeeper.deps import ServicesDep
from innkeeper.pricing import service as pricing
from innkeeper.pricing.fees import DepositKind
from innkeeper.pricing.router import pricing_out, terms_from
from innkeeper.pricing.schemas import PricingIn
from innkeeper.services import Services
from innkeeper.web.csrf import CheckedForm
from innkeeper.web.errors import page_router
from innkeeper.web.forms import FORM_ERROR, FormReader
from innkeeper.web.host.context import HostContext, HostDep
from innkeeper.web.render import amount_text, redirect, render

router = page_router()
Shape = TypeVar("Shape", bound=BaseModel)

KINDS = [
    (ListingKind.STAY.value, "A stay (nightly)"),
    (ListingKind.LEASE.value, "A lease (monthly)"),
    (ListingKind.EXPERIENCE.value, "An experience (per person)"),
]
CATEGORIES = [(c.value, c.value.capitalize()) for c in ExperienceCategory]
WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
POLICIES = [
    (PolicyKind.FLEXIBLE.value, "Flexible: full refund until a day before arrival"),
    (PolicyKind.MODERATE.value, "Moderate: full refund until 5 days before, half until 1 day"),
    (PolicyKind.STRICT.value, "Strict: full refund until 14 days before, half until 7 days"),
    (PolicyKind.NON_REFUNDABLE.value, "Non-refundable"),
]
DEPOSITS = [
    (DepositKind.NONE.value, "No deposit: guests pay everything when they book"),
    (DepositKind.PERCENT.value, "A percentage at booking, the balance later"),
    (DepositKind.FIXED.value, "A fixed amount at booking, the balance later"),
]
ACTIONS = {a.value: a for a in ListingAction}
ANCHORS = {"price": "pricing", "season_remove": "seasons", "photo_remove": "photos"}

# The service's (and the API schema's) field paths, as this page's field names.
DETAIL_FIELDS = {
    "location.address": "address",
    "location.area": "area",
    "location.city": "city",
    "location.country": "country",
    "location.latitude": "latitude",
    "location.longitude": "longitude",
    **{f"{kind}.{name}": name for kind in ("stay", "lease", "experience") for name in (
        "bedrooms", "bathrooms", "beds", "max_guests", "max_occupants", "minimum_term_months",
        "category", "duration_minutes", "capacity", "meeting_point",
    )},
    "base_price_minor": "base_price",
    "stay.house_rules": "house_rules",
    "stay.check_in_time": "check_in_time",
    "stay.check_out_time": "check_out_time",
    "stay.unit_count": "unit_count",
    "photos": "photo_url",
    "photos.0.url": "photo_url",
}  # fmt: skip
PRICING_FIELDS = {
    "weekend_multiplier": "weekend_multiplier",
    "weekend_nights": "weekend_nights",
    "cleaning_minor": "cleaning_fee",
    "base_occupancy": "base_occupancy",
    "extra_guest_minor": "extra_guest_fee",
    "weekly_discount_percent": "weekly_discount",
    "monthly_discount_percent": "monthly_discount",
    "cancellation.kind": "cancellation",
    "cancellation.tiers": "cancellation",
    "deposit.kind": "deposit_kind",
    "deposit.percent": "deposit_percent",
    "deposit.amount_minor": "deposit_amount",
    "deposit.balance_due_days": "balance_due_days",
    "security_deposit_minor": "security_deposit",
}
AVAILABILITY_FIELDS = {
    name: name
    for name in (
        "min_nights", "max_nights", "min_notice_days", "advance_days", "turnover_days",
        "response_hours", "closed_weekdays",
    )
}  # fmt: skip


# --- shape checks shared by the host pages ------------------------------------------------


def shaped(
    reader: FormReader, model: type[Shape], data: Mapping[str, Any], fields: Mapping[str, str]
) -> Shape | None:
    """``data`` checked by the API's own request schema; each problem goes beside the form
    field ``fields`` names for its path (else above the form)."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as error:
        for problem in error.errors():
            path = ".".join(str(part) for part in problem["loc"])
            message = _message(problem)
            name = fields.get(path) or fields.get(path.rsplit(".", 1)[0])
            if name is None:
                reader.error(FORM_ERROR, f"{path}: {message}")
            else:
                reader.error(name, message)
        return None


def absorb(
    reader: FormReader, error: DomainError, aliases: Mapping[str, str] | None = None
) -> None:
    """A refusal the form can show (bad input, a clash with the current state) goes beside
    its fields or above the form; one about who may see or do this becomes its error page
    (404 or 403), as the API answers."""
    if isinstance(error, NotFound | Forbidden | Unauthenticated):
        raise error
    reader.absorb(error, aliases)


def _message(problem: Mapping[str, Any]) -> str:
    ctx = problem.get("ctx") or {}
    kind = problem.get("type", "")
    known = {
        "missing": "is required",
        "greater_than_equal": f"must be at least {ctx.get('ge')}",
        "greater_than": f"must be more than {ctx.get('gt')}",
        "less_than_equal": f"must be at most {ctx.get('le')}",
        "less_than": f"must be less than {ctx.get('lt')}",
        "string_too_long": f"must be at most {ctx.get('max_length')} characters",
        "string_too_short": "is required"
        if ctx.get("min_length") == 1
        else f"must be at least {ctx.get('min_length')} characters",
        "too_long": f"at most {ctx.get('max_length')} items",
        "int_parsing": "must be a whole number",
        "decimal_parsing": "must be a number",
        "decimal_max_places": f"must have at most {ctx.get('decimal_places')} decimal places",
        "decimal_max_digits": "has too many digits",
        "time_parsing": "must be a time like 15:00",
        "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
        "enum": "is not one of the choices",
        "literal_error": "is not one of the choices",
    }
    if kind in known:
        return known[kind]
    text = str(problem.get("msg", "is not valid"))
    return text.removeprefix("Value error, ")


def minor(reader: FormReader, name: str, currency: str, *, required: bool = True) -> int | None:
    """A money field (major units, as typed) as minor units; negative amounts refused."""
    amount = reader.money(name, currency, required=required)
    return None if amount is None else amount.minor


# --- the list -----------------------------------------------------------------------------


@router.get("/host/{org_id}/listings", response_class=HTMLResponse)
def listings_page(request: Request, host: HostDep, services: ServicesDep) -> Response:
    page = catalog.list_host_listings(
        services, host.viewer.actor, host.org_id, ListingFilters(), limit=200, offset=0
    )
    return render(
        request,
        "host/listings.html.j2",
        listings=[listing_out(view) for view in page.items],
        units={view.listing.id: view.unit_count for view in page.items},
        total=page.total,
        may_edit=host.may(Permission.EDIT_LISTINGS),
        price_per=PRICE_PER,
        **host.layout(),
    )


# --- a new listing ------------------------------------------------------------------------


@router.get("/host/{org_id}/listings/new", response_class=HTMLResponse)
def new_listing_page(request: Request, host: HostDep, kind: str = "stay") -> Response:
    chosen = kind if kind in {k.value for k in ListingKind} else ListingKind.STAY.value
    form = {
        "kind": chosen,
        "country": host.org.country,
        "time_zone": host.org.time_zone,
        "currency": host.org.default_currency,
        "check_in_time": "15:00",
        "check_out_time": "11:00",
        "unit_count": "1",
        "bathrooms": "1",
    }
    return _new_page(request, host, form, {})


@router.post("/host/{org_id}/listings/new", response_class=HTMLResponse)
def create_listing(
    request: Request, host: HostDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)
    kind = reader.choice("kind", [k for k, _ in KINDS]) or "stay"
    currency = (reader.text("currency", max_length=3) or "").upper()
    body: dict[str, Any] = {
        "kind": kind,
        **_detail_fields(reader, ListingKind(kind), creating=True),
        "currency": currency,
    }
    if is_supported(currency):
        body["base_price_minor"] = minor(reader, "base_price", currency)
    elif currency:
        reader.error("currency", "must be an ISO 4217 currency code such as AED")
    if reader.ok:
        shape = shaped(reader, ListingCreate, body, {**DETAIL_FIELDS, "currency": "currency"})
        if shape is not None:
            try:
                view = catalog.create_listing(
                    services, host.viewer.actor, host.org_id, draft_from(shape)
                )
            except DomainError as error:
                absorb(reader, error, {**DETAIL_FIELDS, "currency": "currency"})
            else:
                return redirect(
                    f"{host.base}/listings/{view.listing.id}",
                    flash="Listing created as a draft. Add photos and prices, then publish it.",
                )
    values = {**reader.values, "amenities": reader.many("amenities")}
    return _new_page(request, host, values, reader.errors, status=422)


def _new_page(
    request: Request,
    host: HostContext,
    form: Mapping[str, Any],
    errors: Mapping[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        "host/listing_edit.html.j2",
        status=status,
        listing=None,
        kind=form.get("kind", "stay"),
        values={"details": form},
        section_errors={"details": errors},
        section="details",
        form=form,
        errors=errors,
        **_choices(),
        **host.layout(),
    )


# --- the editor ---------------------------------------------------------------------------


@router.get("/host/{org_id}/listings/{listing_id}", response_class=HTMLResponse)
def listing_page(
    request: Request, listing_id: uuid.UUID, host: HostDep, services: ServicesDep
) -> Response:
    return _editor(request, services, host, listing_id)


@router.post("/host/{org_id}/listings/{listing_id}", response_class=HTMLResponse)
def change_listing(
    request: Request, listing_id: uuid.UUID, host: HostDep, form: CheckedForm, services: ServicesDep
) -> Response:
    reader = FormReader(form)
    section = reader.raw("section")
    handler = SECTIONS.get(section)
    if handler is None:
        reader.error(FORM_ERROR, "that part of the listing cannot be changed here")
        return _editor(request, services, host, listing_id, reader, section)
    message = handler(services, host, listing_id, reader)
    if message is not None and reader.ok:
        anchor = ANCHORS.get(section, section)
        return redirect(f"{host.base}/listings/{listing_id}#{anchor}", flash=message)
    return _editor(request, services, host, listing_id, reader, section)


def _editor(
    request: Request,
    services: Services,
    host: HostContext,
    listing_id: uuid.UUID,
    reader: FormReader | None = None,
    section: str = "",
) -> Response:
    actor = host.viewer.actor
    view = catalog.get_host_listing(services, actor, host.org_id, listing_id)
    out = listing_out(view)
    terms = pricing_out(pricing.get_terms(services, actor, host.org_id, listing_id))
    rules = availability_out(availability.get_rules(services, actor, host.org_id, listing_id))
    units = catalog.list_units(services, actor, host.org_id, listing_id)
    values = _current(out, terms, rules)
    errors: dict[str, Mapping[str, str]] = {}
    if reader is not None:
        values[section] = {**reader.values, **_lists(reader)}
        errors[section] = reader.errors
    return render(
        request,
        "host/listing_edit.html.j2",
        status=422 if reader is not None else 200,
        listing=out,
        kind=out.kind.value,
        terms=terms,
        rules=rules,
        units=units,
        values=values,
        section_errors=errors,
        section=section,
        may_edit=host.may(Permission.EDIT_LISTINGS),
        price_per=PRICE_PER[out.kind],
        **_choices(),
        **host.layout(),
    )


def _choices() -> dict[str, Any]:
    return {
        "kinds": KINDS,
        "categories": CATEGORIES,
        "amenity_choices": sorted(AMENITIES),
        "weekdays": WEEKDAYS,
        "policies": POLICIES,
        "deposits": DEPOSITS,
    }


def _lists(reader: FormReader) -> dict[str, list[str]]:
    names = ("amenities", "weekend_nights", "closed_weekdays")
    return {name: reader.many(name) for name in names}


def _current(out: ListingOut, terms: Any, rules: Any) -> dict[str, dict[str, Any]]:
    """Each section's fields as the form shows them, from what is saved."""
    currency = out.base_price.currency
    loc = out.location
    details: dict[str, Any] = {
        "title": out.title,
        "description": out.description,
        "address": loc.address,
        "area": loc.area,
        "city": loc.city,
        "country": loc.country,
        "latitude": str(loc.latitude),
        "longitude": str(loc.longitude),
        "time_zone": out.time_zone,
        "amenities": list(out.amenities),
    }
    kind_details = out.stay or out.lease or out.experience
    assert kind_details is not None
    for name, value in kind_details.model_dump().items():
        details[name] = value.strftime("%H:%M") if hasattr(value, "strftime") else str(value)
    deposit = terms.deposit
    stay = out.stay
    return {
        "details": details,
        "price": {"base_price": amount_text(out.base_price.amount_minor, currency)},
        "rates": {
            "weekend_multiplier": str(terms.weekend_multiplier.normalize()),
            "weekend_nights": [str(d) for d in terms.weekend_nights],
            "cleaning_fee": amount_text(terms.cleaning_minor, currency),
            "base_occupancy": "" if terms.base_occupancy is None else str(terms.base_occupancy),
            "extra_guest_fee": amount_text(terms.extra_guest_minor, currency),
            "weekly_discount": str(terms.weekly_discount_percent.normalize()),
            "monthly_discount": str(terms.monthly_discount_percent.normalize()),
        },
        "availability": {
            "bookable": "on" if rules.bookable else "",
            "instant_book": "on" if rules.instant_book else "",
            "min_nights": str(rules.min_nights),
            "max_nights": "" if rules.max_nights is None else str(rules.max_nights),
            "min_notice_days": str(rules.min_notice_days),
            "advance_days": str(rules.advance_days),
            "turnover_days": str(rules.turnover_days),
            "response_hours": str(rules.response_hours),
            "closed_weekdays": [str(d) for d in rules.closed_weekdays],
        },
        "times": {
            "check_in_time": stay.check_in_time.strftime("%H:%M") if stay else "",
            "check_out_time": stay.check_out_time.strftime("%H:%M") if stay else "",
        },
        "policies": {
            "cancellation": terms.cancellation.kind.value,
            "deposit_kind": deposit.kind.value,
            "deposit_percent": str(deposit.percent.normalize()),
            "deposit_amount": amount_text(deposit.amount_minor, currency),
            "balance_due_days": str(deposit.balance_due_days),
            "security_deposit": amount_text(terms.security_deposit_minor, currency),
        },
        "house_rules": {"house_rules": stay.house_rules if stay else ""},
        "units": {"unit_count": str(stay.unit_count) if stay else "1"},
        "photos": {},
        "seasons": {},
        "status": {},
    }


# --- reading the sections -----------------------------------------------------------------


def _detail_fields(reader: FormReader, kind: ListingKind, *, creating: bool) -> dict[str, Any]:
    """The listing fields of the details form, as the API's request body has them."""
    fields: dict[str, Any] = {
        "title": reader.text("title", max_length=120),
        "description": reader.text("description", required=False, max_length=10_000) or "",
        "location": {
            "address": reader.text("address", max_length=300),
            "area": reader.text("area", required=False, max_length=100) or "",
            "city": reader.text("city", max_length=100),
            "country": (reader.text("country", max_length=2) or "").upper(),
            "latitude": reader.decimal("latitude"),
            "longitude": reader.decimal("longitude"),
        },
        "time_zone": reader.text("time_zone", max_length=64),
        "amenities": reader.many("amenities"),
    }
    details: dict[str, Any]
    if kind is ListingKind.STAY:
        details = {
            "bedrooms": reader.integer("bedrooms"),
            "bathrooms": reader.decimal("bathrooms"),
            "beds": reader.integer("beds"),
            "max_guests": reader.integer("max_guests"),
        }
        if creating:
            details |= {
                "check_in_time": reader.text("check_in_time", max_length=8),
                "check_out_time": reader.text("check_out_time", max_length=8),
                "unit_count": reader.integer("unit_count"),
                "house_rules": reader.text("house_rules", required=False, max_length=5000) or "",
            }
    elif kind is ListingKind.LEASE:
        details = {
            "bedrooms": reader.integer("bedrooms"),
            "bathrooms": reader.decimal("bathrooms"),
            "max_occupants": reader.integer("max_occupants"),
            "minimum_term_months": reader.integer("minimum_term_months"),
            "furnished": reader.flag("furnished"),
            "viewings_enabled": reader.flag("viewings_enabled"),
        }
    else:
        details = {
            "category": reader.choice("category", [c for c, _ in CATEGORIES]),
            "duration_minutes": reader.integer("duration_minutes"),
            "capacity": reader.integer("capacity"),
            "meeting_point": reader.text("meeting_point", max_length=300),
        }
    fields[kind.value] = details
    return fields


def _update(
    services: Services,
    host: HostContext,
    listing_id: uuid.UUID,
    reader: FormReader,
    body: Mapping[str, Any],
    aliases: Mapping[str, str] | None = None,
) -> bool:
    """Send a partial edit the way ``PATCH .../listings/{id}`` does; False when refused."""
    if not reader.ok:
        return False
    fields = {**DETAIL_FIELDS, **(aliases or {})}
    shape = shaped(reader, ListingUpdate, body, fields)
    if shape is None:
        return False
    try:
        catalog.update_listing(
            services, host.viewer.actor, host.org_id, listing_id, changes_from(shape)
        )
    except DomainError as error:
        absorb(reader, error, fields)
        return False
    return True


def _listing(services: Services, host: HostContext, listing_id: uuid.UUID) -> ListingOut:
    return listing_out(
        catalog.get_host_listing(services, host.viewer.actor, host.org_id, listing_id)
    )


def save_details(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    current = _listing(services, host, listing_id)
    body = _detail_fields(reader, current.kind, creating=False)
    return "Details saved." if _update(services, host, listing_id, reader, body) else None


def save_price(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    current = _listing(services, host, listing_id)
    body = {"base_price_minor": minor(reader, "base_price", current.base_price.currency)}
    return "Price saved." if _update(services, host, listing_id, reader, body) else None


def save_times(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    body = {
        "stay": {
            "check_in_time": reader.text("check_in_time", max_length=8),
            "check_out_time": reader.text("check_out_time", max_length=8),
        }
    }
    return (
        "Check-in and check-out times saved."
        if _update(services, host, listing_id, reader, body)
        else None
    )


def save_house_rules(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    rules = reader.text("house_rules", required=False, max_length=5000) or ""
    body = {"stay": {"house_rules": rules}}
    return "House rules saved." if _update(services, host, listing_id, reader, body) else None


def save_units(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    body = {"stay": {"unit_count": reader.integer("unit_count")}}
    return "Units saved." if _update(services, host, listing_id, reader, body) else None


def add_photo(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    current = _listing(services, host, listing_id)
    photo = {
        "url": reader.text("photo_url", max_length=2000),
        "caption": reader.text("photo_caption", required=False, max_length=200) or "",
    }
    photos = [p.model_dump() for p in current.photos] + [photo]
    last = len(photos) - 1
    aliases = {f"photos.{last}.url": "photo_url", f"photos.{last}.caption": "photo_caption"}
    if _update(services, host, listing_id, reader, {"photos": photos}, aliases):
        return "Photo added."
    return None


def remove_photo(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    current = _listing(services, host, listing_id)
    position = reader.integer("position", minimum=0, maximum=len(current.photos) - 1)
    if position is None:
        return None
    photos = [p.model_dump() for i, p in enumerate(current.photos) if i != position]
    return (
        "Photo removed."
        if _update(services, host, listing_id, reader, {"photos": photos})
        else None
    )


def _put_pricing(
    services: Services,
    host: HostContext,
    listing_id: uuid.UUID,
    reader: FormReader,
    changes: Callable[[dict[str, Any], str], Mapping[str, str]],
) -> bool:
    """Change part of the rate plan and send it whole, like ``PUT .../pricing``;
    ``changes`` edits the body and names any extra fields it added."""
    actor = host.viewer.actor
    terms = pricing.get_terms(services, actor, host.org_id, listing_id)
    body = pricing_out(terms).model_dump(exclude={"currency", "base_price_minor"})
    fields = {**PRICING_FIELDS, **changes(body, terms.plan.currency)}
    if not reader.ok:
        return False
    shape = shaped(reader, PricingIn, body, fields)
    if shape is None:
        return False
    plan = terms.plan
    try:
        new = terms_from(
            shape, currency=plan.currency, base_minor=plan.base_minor, basis=plan.basis
        )
        pricing.put_terms(services, actor, host.org_id, listing_id, new)
    except DomainError as error:
        absorb(reader, error, fields)
        return False
    return True


def save_rates(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    def changes(body: dict[str, Any], currency: str) -> Mapping[str, str]:
        body.update(
            weekend_multiplier=reader.decimal("weekend_multiplier"),
            weekend_nights=[int(d) for d in reader.many("weekend_nights") if d.isdigit()],
            cleaning_minor=minor(reader, "cleaning_fee", currency),
            base_occupancy=reader.integer("base_occupancy", required=False),
            extra_guest_minor=minor(reader, "extra_guest_fee", currency),
            weekly_discount_percent=reader.decimal("weekly_discount"),
            monthly_discount_percent=reader.decimal("monthly_discount"),
        )
        return {}

    return (
        "Rates and fees saved."
        if _put_pricing(services, host, listing_id, reader, changes)
        else None
    )


def save_policies(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    def changes(body: dict[str, Any], currency: str) -> Mapping[str, str]:
        kind = reader.choice("cancellation", [*(k for k, _ in POLICIES), PolicyKind.CUSTOM.value])
        if kind != body["cancellation"]["kind"]:
            body["cancellation"] = {"kind": kind, "tiers": []}
        body["deposit"] = {
            "kind": reader.choice("deposit_kind", [k for k, _ in DEPOSITS]),
            "percent": reader.decimal("deposit_percent", required=False) or 0,
            "amount_minor": minor(reader, "deposit_amount", currency, required=False) or 0,
            "balance_due_days": reader.integer("balance_due_days"),
        }
        body["security_deposit_minor"] = minor(reader, "security_deposit", currency)
        return {}

    return "Policies saved." if _put_pricing(services, host, listing_id, reader, changes) else None


def add_season(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    def changes(body: dict[str, Any], currency: str) -> Mapping[str, str]:
        season = {
            "name": reader.text("season_name", max_length=80),
            "start": reader.date("season_start"),
            "end": reader.date("season_end"),
            "multiplier": reader.decimal("season_multiplier", required=False),
            "fixed_minor": minor(reader, "season_price", currency, required=False),
        }
        at = f"seasons.{len(body['seasons'])}"
        body["seasons"] = [*body["seasons"], season]
        return {
            at: "season_price",
            f"{at}.name": "season_name",
            f"{at}.start": "season_start",
            f"{at}.end": "season_end",
            f"{at}.multiplier": "season_multiplier",
            f"{at}.fixed_minor": "season_price",
        }

    return "Season added." if _put_pricing(services, host, listing_id, reader, changes) else None


def remove_season(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    def changes(body: dict[str, Any], currency: str) -> Mapping[str, str]:
        index = reader.integer("position", minimum=0, maximum=len(body["seasons"]) - 1)
        body["seasons"] = [s for i, s in enumerate(body["seasons"]) if i != index]
        return {}

    return "Season removed." if _put_pricing(services, host, listing_id, reader, changes) else None


def save_availability(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    actor = host.viewer.actor
    rules = availability.get_rules(services, actor, host.org_id, listing_id)
    body = availability_out(rules).model_dump(exclude={"blocks", "open_spans"})
    body.update(
        bookable=reader.flag("bookable"),
        instant_book=reader.flag("instant_book"),
        min_nights=reader.integer("min_nights"),
        max_nights=reader.integer("max_nights", required=False),
        min_notice_days=reader.integer("min_notice_days"),
        advance_days=reader.integer("advance_days"),
        turnover_days=reader.integer("turnover_days"),
        response_hours=reader.integer("response_hours"),
        closed_weekdays=[int(d) for d in reader.many("closed_weekdays") if d.isdigit()],
    )
    if not reader.ok:
        return None
    shape = shaped(reader, AvailabilityIn, body, AVAILABILITY_FIELDS)
    if shape is None:
        return None
    try:
        availability.put_settings(services, actor, host.org_id, listing_id, settings_from(shape))
    except DomainError as error:
        absorb(reader, error, AVAILABILITY_FIELDS)
        return None
    return "Availability rules saved."


def change_status(
    services: Services, host: HostContext, listing_id: uuid.UUID, reader: FormReader
) -> str | None:
    action = ACTIONS.get(reader.raw("action"))
    if action is None:
        reader.error(FORM_ERROR, "choose publish, unpublish, archive or restore")
        return None
    try:
        catalog.change_status(services, host.viewer.actor, host.org_id, listing_id, action)
    except DomainError as error:
        absorb(reader, error)
        return None
    return {
        ListingAction.PUBLISH: "Published: guests can find and book it now.",
        ListingAction.UNPUBLISH: "Unpublished: the listing is a draft again.",
        ListingAction.ARCHIVE: "Archived.",
        ListingAction.RESTORE: "Restored as a draft.",
    }[action]


Section = Callable[[Services, HostContext, uuid.UUID, FormReader], str | None]
SECTIONS: dict[str, Section] = {
    "details": save_details,
    "price": save_price,
    "rates": save_rates,
    "seasons": add_season,
    "season_remove": remove_season,
    "availability": save_availability,
    "times": save_times,
    "policies": save_policies,
    "house_rules": save_house_rules,
    "units": save_units,
    "photos": add_photo,
    "photo_remove": remove_photo,
    "status": change_status,
}
