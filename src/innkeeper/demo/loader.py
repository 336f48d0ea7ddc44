"""Loads the demo marketplace through the same services the API uses, so demo data obeys
every rule real data does. Deterministic: the same listings, people and prices every time."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

from sqlalchemy import func, select

from innkeeper.accounts import organizations
from innkeeper.accounts import service as accounts
from innkeeper.accounts.domain import Actor, MemberRole, OrganizationKind, PlatformRole
from innkeeper.accounts.models import Organization, User, UserRole
from innkeeper.catalog import service as catalog
from innkeeper.catalog.domain import (
    ExperienceCategory,
    ExperienceDetails,
    KindDetails,
    LeaseDetails,
    ListingAction,
    ListingDraft,
    ListingKind,
    Location,
    Photo,
    StayDetails,
)
from innkeeper.demo import bookings as demo_bookings
from innkeeper.demo import data
from innkeeper.demo import payouts as demo_payouts
from innkeeper.services import Services

DEMO_PASSWORD = "innkeeper-demo"  # printed by `make run`; demo accounts are public by design
CURRENCY = "AED"
TIME_ZONE = "Asia/Dubai"


@dataclass(frozen=True, slots=True)
class Summary:
    loaded: bool
    users: int
    organizations: int
    listings: dict[str, int]
    bookings: demo_bookings.Counts | None = None

    def describe(self) -> str:
        counts = ", ".join(f"{count} {kind}s" for kind, count in self.listings.items())
        if not self.loaded:
            return f"Database already has data ({self.users} users); demo data not loaded."
        made = self.bookings
        booked = (
            ""
            if made is None
            else f"; {made.confirmed} confirmed bookings, {made.requested} requests waiting"
        )
        return (
            f"Loaded demo data: {self.users} users, {self.organizations} organizations, "
            f"{counts}{booked}."
        )


def demo_logins() -> list[tuple[str, str]]:
    """(role, email) pairs worth trying first."""
    first_org = data.organizations()[0]
    logins = [
        ("platform admin", data.admin().email),
        (f"owner of {first_org.name}", first_org.owner.email),
    ]
    if first_org.managers:
        logins.append((f"manager of {first_org.name}", first_org.managers[0].email))
    logins += [
        ("guest", data.people()[0].email),
        ("local expert", data.local_expert().email),
        ("personal-assistant expert", data.personal_assistant().email),
    ]
    return logins


def load_if_empty(services: Services) -> Summary:
    with services.uow() as uow:
        users = uow.session.scalar(select(func.count()).select_from(User)) or 0
    if users:
        # A database loaded earlier (or a fresh emulator state): demo hosts get their payout
        # accounts back, so demo guests can still book and pay.
        demo_payouts.connect_hosts(services, _demo_organization_ids(services))
        return Summary(False, users, 0, {})
    return load(services)


def _demo_organization_ids(services: Services) -> list[uuid.UUID]:
    slugs = [org.slug for org in data.organizations()]
    with services.uow() as uow:
        return list(
            uow.session.scalars(select(Organization.id).where(Organization.slug.in_(slugs)))
        )


def load(services: Services) -> Summary:
    # One hash for every demo account: they share a published password anyway, and hashing
    # it once keeps `make run` fast on a cold start.
    password_hash = services.passwords.hash(DEMO_PASSWORD)
    users = _load_people(services, password_hash)
    owners = _load_organizations(services, users)
    # Before any booking: with Connect required, a host without a ready payee cannot be booked.
    demo_payouts.connect_hosts(services, [org_id for org_id, _ in owners.values()])
    counts = {kind.value: 0 for kind in ListingKind}
    for slug, draft in _drafts():
        org_id, owner = owners[slug]
        view = catalog.create_listing(services, owner, org_id, draft)
        catalog.change_status(services, owner, org_id, view.listing.id, ListingAction.PUBLISH)
        counts[draft.kind.value] += 1
    guests = [demo_bookings.Guest(Actor(users[p.email].id), p) for p in data.people()]
    admin = Actor(users[data.admin().email].id, roles=frozenset({PlatformRole.ADMIN}))
    made = demo_bookings.load(services, guests, admin, owners[data.organizations()[0].slug])
    return Summary(True, len(users), len(owners), counts, made)


def _all_people() -> list[data.DemoPerson]:
    people = [data.admin(), data.local_expert(), data.personal_assistant(), *data.people()]
    for org in data.organizations():
        people += [org.owner, *org.managers, *org.staff]
    return people


def _load_people(services: Services, password_hash: str) -> dict[str, User]:
    roles = {
        data.admin().email: [PlatformRole.ADMIN],
        data.local_expert().email: [PlatformRole.LOCAL_EXPERT],
        data.personal_assistant().email: [
            PlatformRole.LOCAL_EXPERT,
            PlatformRole.PERSONAL_ASSISTANT,
        ],
    }
    users: dict[str, User] = {}
    with services.uow() as uow:
        for person in _all_people():
            signup = accounts.SignUp(person.email, DEMO_PASSWORD, person.name, person.phone)
            user = accounts.create_user(
                uow, services, signup, email=person.email, password_hash=password_hash
            )
            for role in roles.get(person.email, []):
                uow.session.add(
                    UserRole(user_id=user.id, role=role, granted_at=services.clock.now())
                )
            users[person.email] = user
        uow.commit()
    return users


def _load_organizations(
    services: Services, users: dict[str, User]
) -> dict[str, tuple[uuid.UUID, Actor]]:
    owners: dict[str, tuple[uuid.UUID, Actor]] = {}
    for org in data.organizations():
        owner = Actor(users[org.owner.email].id)
        details = organizations.OrganizationDetails(
            name=org.name,
            slug=org.slug,
            kind=OrganizationKind(org.kind),
            contact_email=org.contact_email,
            country="AE",
            default_currency=CURRENCY,
            time_zone=TIME_ZONE,
        )
        created = organizations.create_organization(services, owner, details)
        owner = Actor(owner.user_id, memberships={created.id: MemberRole.OWNER})
        for person, role in _members(org):
            organizations.add_member(services, owner, created.id, person.email, role)
        owners[org.slug] = (created.id, owner)
    return owners


def _members(org: data.DemoOrganization) -> Iterable[tuple[data.DemoPerson, MemberRole]]:
    yield from ((person, MemberRole.MANAGER) for person in org.managers)
    yield from ((person, MemberRole.STAFF) for person in org.staff)


def _drafts() -> Iterable[tuple[str, ListingDraft]]:
    for stay in data.stays():
        yield (
            stay.organization_slug,
            _draft(ListingKind.STAY, stay, stay.nightly_price_minor, _stay_details(stay)),
        )
    for lease in data.leases():
        details = LeaseDetails(
            bedrooms=lease.bedrooms,
            bathrooms=lease.bathrooms,
            max_occupants=lease.max_guests,
            minimum_term_months=lease.minimum_term_months,
            furnished=lease.furnished,
        )
        yield (
            lease.organization_slug,
            _draft(ListingKind.LEASE, lease, lease.monthly_rent_minor, details),
        )
    for experience in data.experiences():
        details_x = ExperienceDetails(
            category=ExperienceCategory(experience.category),
            duration_minutes=experience.duration_minutes,
            capacity=experience.capacity,
            meeting_point=experience.meeting_point,
        )
        yield (
            experience.organization_slug,
            _draft(
                ListingKind.EXPERIENCE, experience, experience.price_per_person_minor, details_x
            ),
        )


def _stay_details(stay: data.DemoStay) -> StayDetails:
    return StayDetails(
        bedrooms=stay.bedrooms,
        bathrooms=stay.bathrooms,
        beds=stay.beds,
        max_guests=stay.max_guests,
        check_in_time=time.fromisoformat(stay.check_in_time),
        check_out_time=time.fromisoformat(stay.check_out_time),
        house_rules=stay.house_rules,
        unit_count=stay.unit_count,
    )


def _draft(
    kind: ListingKind,
    item: data.DemoStay | data.DemoLease | data.DemoExperience,
    price_minor: int,
    details: KindDetails,
) -> ListingDraft:
    loc = item.location
    return ListingDraft(
        kind=kind,
        title=item.title,
        description=item.description,
        location=Location(
            loc.address, loc.area, loc.city, loc.country, loc.latitude, loc.longitude
        ),
        time_zone=TIME_ZONE,
        currency=CURRENCY,
        base_price_minor=price_minor,
        details=details,
        amenities=frozenset(getattr(item, "amenities", ())),
        photos=tuple(
            Photo(photo_url(item.title, caption), caption) for caption in item.photo_captions
        ),
    )


def photo_url(title: str, caption: str) -> str:
    """A stable local URL; ``demo.media`` draws the picture, so no image leaves this machine."""
    slug = re.sub(r"[^a-z0-9]+", "-", caption.lower()).strip("-")[:60]
    seed = hashlib.sha256(f"{title}|{caption}".encode()).hexdigest()[:8]
    return f"/media/demo/{seed}-{slug}.svg"
