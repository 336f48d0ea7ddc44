"""Deterministic demo marketplace for Dubai: people, organisations, stays, leases, experiences.

Every value comes from fixed seeds fed to private `random.Random` instances (never the global
generator or the clock), so each call returns equal tuples and seeding scripts, screenshots
and tests can rely on the same titles, emails and prices every time.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from innkeeper.catalog import domain as catalog_domain
from innkeeper.demo import _text as text
from innkeeper.demo._areas import AREAS, Area
from innkeeper.demo._catalog import ORGS, OrgSpec
from innkeeper.demo._experiences import EXPERIENCES, ExperienceSpec

AMENITIES: tuple[str, ...] = tuple(sorted(catalog_domain.AMENITIES))  # one vocabulary


@dataclass(frozen=True, slots=True)
class DemoPerson:
    """A user account; emails are unique lowercase example.com addresses."""

    email: str
    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class DemoOrganization:
    """A tenant of the marketplace with one owner; nobody belongs to two organisations."""

    slug: str
    name: str
    kind: str
    contact_email: str
    owner: DemoPerson
    managers: tuple[DemoPerson, ...]
    staff: tuple[DemoPerson, ...]


@dataclass(frozen=True, slots=True)
class DemoLocation:
    """A street address plus coordinates jittered inside the named area."""

    address: str
    area: str
    city: str
    country: str
    latitude: Decimal
    longitude: Decimal


@dataclass(frozen=True, slots=True)
class DemoStay:
    """A nightly-priced holiday home; `unit_count` > 1 means identical serviced units."""

    organization_slug: str
    title: str
    description: str
    location: DemoLocation
    bedrooms: int
    bathrooms: Decimal
    beds: int
    max_guests: int
    amenities: tuple[str, ...]
    nightly_price_minor: int
    unit_count: int
    check_in_time: str
    check_out_time: str
    house_rules: str
    photo_captions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoLease:
    """A monthly rental with a minimum term, as offered by a leasing agency."""

    organization_slug: str
    title: str
    description: str
    location: DemoLocation
    bedrooms: int
    bathrooms: Decimal
    max_guests: int
    amenities: tuple[str, ...]
    monthly_rent_minor: int
    minimum_term_months: int
    furnished: bool
    photo_captions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DemoExperience:
    """A bookable tour, activity, meal or transfer, priced per person per slot."""

    organization_slug: str
    title: str
    description: str
    location: DemoLocation
    category: str
    duration_minutes: int
    capacity: int
    meeting_point: str
    price_per_person_minor: int
    photo_captions: tuple[str, ...]


# Separate seeds per section, so that editing one section never reshuffles another.
_PEOPLE_SEED = 2026_0101
_STAY_SEED = 2026_0202
_LEASE_SEED = 2026_0303
_EXPERIENCE_SEED = 2026_0404
_GUEST_COUNT = 24
_ADMIN = ("Rashid", "Al Suwaidi")
_EXPERT = ("Noura", "Al Shamsi")
_ASSISTANT = ("Joanna", "Reyes")
_FIRST_GUEST = ("Hannah", "Clarke")

_MICRO = Decimal("0.000001")
_METRES_PER_DEGREE_LAT = Decimal(111_320)
_METRES_PER_DEGREE_LON = Decimal(100_900)  # 111,320 x cos(25 degrees): Dubai's latitude
_NUMBER_WORDS = ("studio", "one", "two", "three", "four", "five", "six")
# Bedroom counts repeated to act as weights: mostly one- and two-bedroom flats.
_APARTMENT_BEDROOMS = (0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 4)
_VILLA_BEDROOMS = (3, 3, 3, 4, 4, 4, 4, 5, 5, 6)
_CORE_AMENITIES = ("air_conditioning", "kitchen", "tv", "wifi")
_APARTMENT_ODDS = (
    ("elevator", 100), ("washer", 85), ("pool", 75), ("gym", 70), ("self_check_in", 60),
    ("balcony", 55), ("free_parking", 50), ("dishwasher", 45), ("doorman", 40),
    ("dedicated_workspace", 40), ("family_friendly", 30), ("dryer", 25), ("crib", 20),
    ("wheelchair_accessible", 15), ("pets_allowed", 6), ("smoking_allowed", 5),
    ("heating", 5), ("hot_tub", 4),
)  # fmt: skip
_VILLA_ODDS = (
    ("washer", 100), ("free_parking", 100), ("family_friendly", 90), ("dishwasher", 85),
    ("bbq", 80), ("dryer", 75), ("private_pool", 60), ("crib", 50), ("dedicated_workspace", 50),
    ("pool", 45), ("balcony", 40), ("self_check_in", 30), ("pets_allowed", 20),
    ("hot_tub", 15), ("heating", 10), ("wheelchair_accessible", 10),
)  # fmt: skip
# Nightly AED by bedroom count before area premiums and jitter, then the band each size must fit.
_NIGHTLY_BASE = (400, 620, 980, 1700, 2500, 3400, 4400)
_NIGHTLY_BANDS = ((300, 550), (450, 900), (700, 1500), *((1500, 6000),) * 4)
_RENT_APARTMENT = (5300, 8000, 12000, 18500, 24000)
_RENT_APARTMENT_BANDS = ((4500, 7000), (6500, 12000), (9500, 18000), (14000, 28000),
                         (18000, 35000))  # fmt: skip
_RENT_VILLA = (0, 0, 0, 27000, 34000, 44000, 52000)
_RENT_VILLA_BAND = (25000, 60000)
_OCCUPANTS = (2, 3, 4, 6, 8, 10, 12)
_LEASE_ONLY_DROPS = frozenset({"self_check_in", "smoking_allowed", "hot_tub"})
_UNFURNISHED_DROPS = frozenset({"tv", "wifi", "crib", "dedicated_workspace", "dryer"})
_VIEW_CAPTIONS = {
    "marina_view": "marina view",
    "sea_view": "sea view",
    "burj_view": "Burj Khalifa view",
}
_EXTRA_CAPTIONS = {
    "pool": "Shared pool deck",
    "private_pool": "Private pool and sun loungers",
    "gym": "Residents' gym",
    "balcony": "Balcony with outdoor seating",
    "beach_access": "Beach a short walk away",
    "bbq": "Garden with BBQ grill",
    "dedicated_workspace": "Work desk by the window",
    "hot_tub": "Hot tub on the terrace",
}


@dataclass(frozen=True, slots=True)
class _Home:
    """Physical facts of one home, shared by the stay and lease generators."""

    villa: bool
    noun: str
    bedrooms: int
    bathrooms: Decimal
    building: str
    address: str
    floor: int


@dataclass(frozen=True, slots=True)
class _Cast:
    """Everyone in the demo, drawn together so that no name or phone is used twice."""

    admin: DemoPerson
    expert: DemoPerson
    assistant: DemoPerson
    guests: tuple[DemoPerson, ...]
    organizations: tuple[DemoOrganization, ...]


class _Directory:
    """Hands out people with unique names, emails and phone numbers."""

    def __init__(self, seed: int, reserved: Iterable[tuple[str, str]]) -> None:
        self._rng = random.Random(seed)
        self._names: set[tuple[str, str]] = set(reserved)
        self._emails: set[str] = set()
        self._phones: set[str] = set()

    def person(
        self, domain: str, name: tuple[str, str] | None = None, email: str | None = None
    ) -> DemoPerson:
        """Named people were reserved up front, so random draws can never collide with them."""
        first, last = name or self._fresh_name()
        address = email or f"{_email_part(first)}.{_email_part(last)}@{domain}"
        if address in self._emails:
            raise ValueError(f"duplicate demo email {address}")
        self._emails.add(address)
        return DemoPerson(address, f"{first} {last}", self._fresh_phone())

    def _fresh_name(self) -> tuple[str, str]:
        while True:
            firsts, lasts = self._rng.choice(text.NAME_POOLS)
            name = (self._rng.choice(firsts), self._rng.choice(lasts))
            if name not in self._names:
                self._names.add(name)
                return name

    def _fresh_phone(self) -> str:
        while True:
            digits = "".join(self._rng.choice("0123456789") for _ in range(7))
            phone = f"+9715{self._rng.choice(text.MOBILE_PREFIXES)}{digits}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone


def _email_part(value: str) -> str:
    """Email local parts stay plain ASCII: "Dela Cruz" and "O'Brien" become one word."""
    return "".join(char for char in value.lower() if char.isalnum())


def _contact_email(spec: OrgSpec) -> str:
    """Shared inboxes, not a person's address, as real operators publish."""
    if spec.kind == "provider":
        mailbox = "bookings"
    elif spec.kind == "host":
        mailbox = "hello"
    else:
        mailbox = "leasing" if spec.leases else "reservations"
    return f"{mailbox}@{spec.slug}.example.com"


def _organization(directory: _Directory, spec: OrgSpec) -> DemoOrganization:
    """Org people get addresses on the org's own subdomain, which also keeps them unique."""
    domain = f"{spec.slug}.example.com"
    owner = directory.person(domain, spec.owner)
    managers = tuple(directory.person(domain) for _ in range(spec.managers))
    staff = tuple(directory.person(domain) for _ in range(spec.staff))
    return DemoOrganization(
        spec.slug, spec.name, spec.kind, _contact_email(spec), owner, managers, staff
    )


@cache
def _cast() -> _Cast:
    """Named accounts are reserved before any random draw, so no guest can steal their names."""
    owners = [spec.owner for spec in ORGS if spec.owner is not None]
    directory = _Directory(_PEOPLE_SEED, [_ADMIN, _EXPERT, _ASSISTANT, _FIRST_GUEST, *owners])
    admin_ = directory.person("example.com", _ADMIN, "admin@example.com")
    expert = directory.person("example.com", _EXPERT, "expert@example.com")
    assistant = directory.person("example.com", _ASSISTANT, "assistant@example.com")
    first_guest = directory.person("example.com", _FIRST_GUEST, "guest@example.com")
    others = [directory.person("example.com") for _ in range(_GUEST_COUNT - 1)]
    orgs = tuple(_organization(directory, spec) for spec in ORGS)
    return _Cast(admin_, expert, assistant, (first_guest, *others), orgs)


def _location(rng: random.Random, area: Area, address: str) -> DemoLocation:
    """Rejection-sample a point in a disc, so listings cluster inside the real area."""
    radius = area.radius_m
    while True:
        north, east = rng.randint(-radius, radius), rng.randint(-radius, radius)
        if north * north + east * east <= radius * radius:
            break
    latitude = Decimal(area.latitude) + Decimal(north) / _METRES_PER_DEGREE_LAT
    longitude = Decimal(area.longitude) + Decimal(east) / _METRES_PER_DEGREE_LON
    return DemoLocation(
        address, area.name, "Dubai", "AE", latitude.quantize(_MICRO), longitude.quantize(_MICRO)
    )


def _bathrooms(rng: random.Random, bedrooms: int, villa: bool) -> Decimal:
    """Villas add a guest bathroom; a third of homes add a powder room (the half)."""
    full = max(1, bedrooms) + (1 if villa else 0)
    half = bedrooms > 0 and rng.randrange(3) == 0
    return Decimal(full) + (Decimal("0.5") if half else Decimal(0))


def _home(rng: random.Random, area: Area) -> _Home:
    """Villa or flat by the area's real mix; only high floors of real towers are penthouses."""
    if rng.randrange(100) < area.villa_pct:
        bedrooms = rng.choice(_VILLA_BEDROOMS)
        cluster = rng.choice(area.villas)
        address = f"Villa {rng.randint(1, 120)}, {cluster}"
        bathrooms = _bathrooms(rng, bedrooms, villa=True)
        return _Home(True, area.villa_word, bedrooms, bathrooms, cluster, address, 0)
    bedrooms = rng.choice(_APARTMENT_BEDROOMS)
    tower = rng.choice(area.towers)
    floor = rng.randint(1, area.max_floor)
    top = area.max_floor >= 10 and floor >= area.max_floor - 1
    noun = "studio" if bedrooms == 0 else "penthouse" if top and bedrooms >= 2 else "apartment"
    address = f"Apt {floor}{rng.randint(1, 12):02d}, {tower}, {rng.choice(area.streets)}"
    bathrooms = _bathrooms(rng, bedrooms, villa=False)
    return _Home(False, noun, bedrooms, bathrooms, tower, address, floor)


def _sleeping(rng: random.Random, home: _Home) -> tuple[int, int]:
    """Beds and guests: two per bed at most, with an occasional sofa bed or bunk."""
    if home.bedrooms == 0:
        beds = rng.choice((1, 1, 2))
        return beds, 2 if beds == 1 else 3
    beds = home.bedrooms + rng.randint(0, 1 + home.bedrooms // 3)
    return beds, max(2, min(16, beds * 2 - rng.randint(0, 1)))


def _amenities(rng: random.Random, area: Area, home: _Home) -> tuple[str, ...]:
    """Building-typical odds plus the area's own perks (views, beach), sorted for stable output."""
    odds = (_VILLA_ODDS if home.villa else _APARTMENT_ODDS) + area.perks
    chosen = set(_CORE_AMENITIES)
    chosen.update(name for name, pct in odds if rng.randrange(100) < pct)
    if "balcony" not in chosen:
        chosen.discard("smoking_allowed")  # smoking is only ever allowed outdoors
    return tuple(sorted(chosen))


def _round_to(value: int, step: int) -> int:
    return (value + step // 2) // step * step


def _fit_band(rng: random.Random, value: int, band: tuple[int, int]) -> int:
    """Clamp into the realistic band, pulling over-priced homes a little below the cap so
    premium areas do not all pile up at the exact same ceiling price."""
    low, high = band
    if value > high:
        value = high - rng.randrange(0, (high - low) // 6)
    return max(low, value)


def _nightly_price(rng: random.Random, area: Area, home: _Home, amenities: Iterable[str]) -> int:
    """Size sets the base; area, villas, penthouses, views and private pools add premiums."""
    pct = area.price_pct * rng.randint(88, 115)
    if home.villa or home.noun == "penthouse":
        pct = pct * 118 // 100
    if any(name in _VIEW_CAPTIONS or name == "private_pool" for name in amenities):
        pct = pct * 106 // 100
    aed = _fit_band(
        rng, _NIGHTLY_BASE[home.bedrooms] * pct // 10_000, _NIGHTLY_BANDS[home.bedrooms]
    )
    return _round_to(aed, 5) * 100


def _monthly_rent(rng: random.Random, area: Area, home: _Home, furnished: bool) -> int:
    """Dubai rents are quoted in round figures, hence the AED 250 steps."""
    pct = area.price_pct * rng.randint(90, 112) * (112 if furnished else 100) // 100
    if home.villa:
        base, band = _RENT_VILLA[home.bedrooms], _RENT_VILLA_BAND
    else:
        base, band = _RENT_APARTMENT[home.bedrooms], _RENT_APARTMENT_BANDS[home.bedrooms]
    return _round_to(_fit_band(rng, base * pct // 10_000, band), 250) * 100


def _upper_first(value: str) -> str:
    return value[:1].upper() + value[1:]


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _short_noun(home: _Home) -> str:
    """Listing-site shorthand: "studio", "2BR", "4BR villa"."""
    if home.bedrooms == 0:
        return "studio"
    suffix = "" if home.noun == "apartment" else f" {home.noun}"
    return f"{home.bedrooms}BR{suffix}"


def _long_noun(home: _Home) -> str:
    if home.bedrooms == 0:
        return "studio apartment"
    return f"{_NUMBER_WORDS[home.bedrooms]}-bedroom {home.noun}"


def _unique(used: set[str], make: Callable[[], str]) -> str:
    """Redraw until the text is new; the generators have far more combinations than needed."""
    for _ in range(200):
        candidate = make()
        if candidate not in used:
            used.add(candidate)
            return candidate
    raise RuntimeError("demo text combinations exhausted; add more fragments")


def _stay_title(
    rng: random.Random, area: Area, home: _Home, amenities: tuple[str, ...], lead: str
) -> str:
    """`lead` is the home's adjective (or "Serviced"); a view, when present, often wins."""
    views = [name for name in amenities if name in text.VIEW_LEADS]
    view = rng.choice(views) if views and lead != "Serviced" and rng.randrange(3) else None
    lead = text.VIEW_LEADS[view] if view else lead
    features = [text.TITLE_FEATURES[a] for a in amenities if a in text.TITLE_FEATURES and a != view]
    feature = rng.choice(features or ["fast Wi-Fi"])
    landmark = f"{rng.choice(text.LANDMARK_LEADS)} {rng.choice(area.landmarks)}"
    short, long = _short_noun(home), _long_noun(home)
    return rng.choice(
        (
            f"{lead} {short} with {feature}, {landmark}",
            f"{lead} {long} in {home.building}",
            f"{lead} {short} in {home.building}, {landmark}",
            f"{lead} {long} with {feature} {area.preposition} {area.name}",
        )
    )


def _opening(home: _Home, adjective: str, finish: str | None) -> str:
    """The building and floor make the first sentence specific to this one home."""
    words = f"{adjective.lower()} {_long_noun(home)}"
    if home.villa:
        place = f"in {home.building}"
    else:
        height = "low" if home.floor < 6 else "mid" if home.floor < 20 else "high"
        place = f"on a {height} floor of {home.building}"
    tail = f", {finish}" if finish else ""
    return f"{_article(words)} {words} {place}{tail}."


def _features_sentence(rng: random.Random, home: _Home, amenities: tuple[str, ...]) -> str:
    wording = text.DESC_FEATURES | (text.VILLA_FEATURES if home.villa else {})
    phrases = [wording[name] for name in amenities if name in wording]
    picks = rng.sample(phrases, k=min(3, len(phrases)))
    return f"{rng.choice(text.FEATURE_LEADS)} {_join(picks)}."


def _stay_extra(rng: random.Random, amenities: tuple[str, ...], beds: int, guests: int) -> str:
    """An optional practical fourth sentence, only ever claiming what the amenities say."""
    options = [f"It sleeps {guests} in {beds} {'bed' if beds == 1 else 'beds'}.", *text.EXTRAS]
    if "self_check_in" in amenities:
        options.append(text.SELF_CHECK_IN)
    if "free_parking" in amenities:
        options.append(text.PARKING)
    return rng.choice(options)


def _stay_description(
    rng: random.Random,
    area: Area,
    home: _Home,
    amenities: tuple[str, ...],
    layout: tuple[int, int, int],
    adjective: str,
) -> str:
    """Three or four sentences: the home, what it offers, the neighbourhood, a practical note."""
    beds, guests, units = layout
    sentences = [
        _opening(home, adjective, rng.choice(text.FINISHES)),
        _features_sentence(rng, home, amenities),
        rng.choice(area.notes),
    ]
    if units > 1:
        sentences.append(f"There are {units} identical units in this serviced building.")
    elif rng.randrange(10) < 7:
        sentences.append(_stay_extra(rng, amenities, beds, guests))
    return " ".join(sentences)


def _captions(
    rng: random.Random, home: _Home, amenities: tuple[str, ...], furnished: bool = True
) -> tuple[str, ...]:
    """Three core rooms plus up to three amenity shots, like a host's real photo set."""
    view = next((name for name in amenities if name in _VIEW_CAPTIONS), None)
    if not furnished:
        living = "Unfurnished living area ready for your furniture"
    elif view:
        living = f"Living room with {_VIEW_CAPTIONS[view]}"
    else:
        living = rng.choice(("Open-plan living and dining area", "Bright living room"))
    bedrooms = ("Main bedroom with king bed", "Bedroom with fitted wardrobes")
    bedroom = "Sleeping area with queen bed" if home.bedrooms == 0 else rng.choice(bedrooms)
    kitchens = ("Fully equipped kitchen", "Kitchen with breakfast bar", "Open kitchen")
    extras = [_EXTRA_CAPTIONS[name] for name in amenities if name in _EXTRA_CAPTIONS]
    rng.shuffle(extras)
    count = rng.randint(0, min(3, len(extras)))
    return (living, bedroom, rng.choice(kitchens), *extras[:count])


def _house_rules(rng: random.Random, amenities: tuple[str, ...], guests: int) -> str:
    """Rules follow the amenities (smoking, pets, pool), plus Dubai's guest-registration duty."""
    smoking = "smoking_allowed" in amenities
    pets = "pets_allowed" in amenities
    rules = [
        "No parties or events.",
        rng.choice(text.QUIET_HOURS),
        "Smoking on the balcony only." if smoking else "No smoking indoors.",
        "Small pets welcome on request." if pets else "No pets.",
        f"No more than {guests} guests may stay overnight.",
    ]
    if "private_pool" in amenities:
        rules.append("The pool is unfenced, so children must be supervised.")
    rules.append(text.REGISTRATION)
    return " ".join(rules)


def _unit_count(rng: random.Random, spec: OrgSpec, home: _Home) -> int:
    """Serviced blocks sell several identical small flats under one listing."""
    small_flat = home.noun in ("studio", "apartment") and home.bedrooms <= 2
    if not small_flat or rng.randrange(100) >= spec.serviced_pct:
        return 1
    return rng.randint(2, 6)


def _stay(rng: random.Random, spec: OrgSpec, area: Area, used: set[str]) -> DemoStay:
    home = _home(rng, area)
    amenities = _amenities(rng, area, home)
    beds, guests = _sleeping(rng, home)
    units = _unit_count(rng, spec, home)
    adjective = rng.choice(text.ADJECTIVES)
    lead = "Serviced" if units > 1 else adjective
    title = _unique(used, lambda: _stay_title(rng, area, home, amenities, lead))
    layout = (beds, guests, units)
    description = _unique(
        used, lambda: _stay_description(rng, area, home, amenities, layout, adjective)
    )
    return DemoStay(
        organization_slug=spec.slug,
        title=title,
        description=description,
        location=_location(rng, area, home.address),
        bedrooms=home.bedrooms,
        bathrooms=home.bathrooms,
        beds=beds,
        max_guests=guests,
        amenities=amenities,
        nightly_price_minor=_nightly_price(rng, area, home, amenities),
        unit_count=units,
        check_in_time=rng.choice(text.CHECK_IN_TIMES),
        check_out_time=rng.choice(text.CHECK_OUT_TIMES),
        house_rules=_house_rules(rng, amenities, guests),
        photo_captions=_captions(rng, home, amenities),
    )


def _lease_title(rng: random.Random, area: Area, home: _Home, furnished: bool, term: int) -> str:
    state = "Furnished" if furnished else "Unfurnished"
    term_text = "monthly rental" if term == 1 else f"{term}-month lease"
    landmark = f"{rng.choice(text.LANDMARK_LEADS)} {rng.choice(area.landmarks)}"
    return rng.choice(
        (
            f"{state} {_long_noun(home)} in {home.building}, {term_text}",
            f"{state} {_short_noun(home)} {area.preposition} {area.name}, {term_text}",
            f"{_upper_first(_long_noun(home))} to rent in {home.building}, {landmark}",
        )
    )


def _lease_description(
    rng: random.Random, area: Area, home: _Home, amenities: tuple[str, ...], terms: tuple[bool, int]
) -> str:
    """Four sentences: the home, its fit-out, the neighbourhood, the contract terms."""
    furnished, term = terms
    if furnished:
        opening = _opening(
            home, f"{rng.choice(text.ADJECTIVES)} furnished", rng.choice(text.FINISHES)
        )
        fit_out = _features_sentence(rng, home, amenities)
    else:
        opening = _opening(home, f"{rng.choice(text.ADJECTIVES)} unfurnished", None)
        fit_out = rng.choice(text.UNFURNISHED_NOTES)
    return " ".join((opening, fit_out, rng.choice(area.notes), text.LEASE_TERMS[term]))


def _lease(rng: random.Random, spec: OrgSpec, area: Area, used: set[str]) -> DemoLease:
    """Short terms only make sense furnished; unfurnished homes lose the fit-out amenities."""
    home = _home(rng, area)
    furnished = rng.randrange(100) < 60
    term = rng.choice((1, 3, 6, 12)) if furnished else rng.choice((6, 12, 12))
    drops = _LEASE_ONLY_DROPS | (frozenset() if furnished else _UNFURNISHED_DROPS)
    amenities = tuple(name for name in _amenities(rng, area, home) if name not in drops)
    title = _unique(used, lambda: _lease_title(rng, area, home, furnished, term))
    terms = (furnished, term)
    description = _unique(used, lambda: _lease_description(rng, area, home, amenities, terms))
    return DemoLease(
        organization_slug=spec.slug,
        title=title,
        description=description,
        location=_location(rng, area, home.address),
        bedrooms=home.bedrooms,
        bathrooms=home.bathrooms,
        max_guests=_OCCUPANTS[home.bedrooms],
        amenities=amenities,
        monthly_rent_minor=_monthly_rent(rng, area, home, furnished),
        minimum_term_months=term,
        furnished=furnished,
        photo_captions=_captions(rng, home, amenities, furnished),
    )


def _experience(rng: random.Random, spec: ExperienceSpec) -> DemoExperience:
    """The operator's own story, plus one varied closing sentence about booking."""
    description = f"{spec.story} {rng.choice(text.EXPERIENCE_CLOSERS)}"
    return DemoExperience(
        organization_slug=spec.org,
        title=spec.title,
        description=description,
        location=_location(rng, AREAS[spec.area], spec.address),
        category=spec.category,
        duration_minutes=spec.minutes,
        capacity=spec.capacity,
        meeting_point=spec.meeting_point,
        price_per_person_minor=spec.price_aed * 100,
        photo_captions=spec.captions,
    )


def _spread(spec: OrgSpec, count: int) -> Iterable[Area]:
    """Round-robin over the org's areas, so every portfolio covers all its neighbourhoods."""
    return (AREAS[spec.areas[index % len(spec.areas)]] for index in range(count))


@cache
def _all_experiences() -> tuple[DemoExperience, ...]:
    rng = random.Random(_EXPERIENCE_SEED)
    return tuple(_experience(rng, spec) for spec in EXPERIENCES)


@cache
def _all_stays() -> tuple[DemoStay, ...]:
    """Experience titles are taken first, because titles must be unique across listing types."""
    rng = random.Random(_STAY_SEED)
    used = {experience.title for experience in _all_experiences()}
    return tuple(
        _stay(rng, spec, area, used) for spec in ORGS for area in _spread(spec, spec.stays)
    )


@cache
def _all_leases() -> tuple[DemoLease, ...]:
    """Leases avoid every stay title and description as well as the experience titles."""
    rng = random.Random(_LEASE_SEED)
    used = {experience.title for experience in _all_experiences()}
    used.update(text for stay in _all_stays() for text in (stay.title, stay.description))
    return tuple(
        _lease(rng, spec, area, used) for spec in ORGS for area in _spread(spec, spec.leases)
    )


def people() -> tuple[DemoPerson, ...]:
    """Guests only; `guest@example.com` comes first so demos can log in predictably."""
    return _cast().guests


def admin() -> DemoPerson:
    """The platform administrator, `admin@example.com`."""
    return _cast().admin


def local_expert() -> DemoPerson:
    """The local-expert account, `expert@example.com`."""
    return _cast().expert


def personal_assistant() -> DemoPerson:
    """The personal-assistant expert account, `assistant@example.com`."""
    return _cast().assistant


def organizations() -> tuple[DemoOrganization, ...]:
    """Property managers and hosts own stays, leasing agencies leases, providers experiences."""
    return _cast().organizations


def stays() -> tuple[DemoStay, ...]:
    """Nightly holiday homes across Dubai, titles unique across every listing type."""
    return _all_stays()


def leases() -> tuple[DemoLease, ...]:
    """Monthly rentals from the two leasing agencies."""
    return _all_leases()


def experiences() -> tuple[DemoExperience, ...]:
    """Tours, activities, meals and transfers at their real Dubai venues."""
    return _all_experiences()
