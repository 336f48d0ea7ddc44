"""Hand-written organisations: who runs the market, how big each is and where it operates.

People are drawn later by the generator; small hosts name their owner so that, for example,
Layla's Marina Nest really belongs to a Layla.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OrgSpec:
    """How big an organisation is and where its listings are, before people are drawn."""

    slug: str
    name: str
    kind: str
    managers: int
    staff: int
    areas: tuple[str, ...] = ()
    stays: int = 0
    leases: int = 0
    owner: tuple[str, str] | None = None
    serviced_pct: int = 16


_MARINA = ("Dubai Marina", "Jumeirah Beach Residence", "Jumeirah Lake Towers")
ORGS: tuple[OrgSpec, ...] = (
    OrgSpec(
        "marina-keys-holiday-homes",
        "Marina Keys Holiday Homes",
        "property_manager",
        2,
        3,
        (*_MARINA, "Bluewaters Island", "Palm Jumeirah"),
        stays=38,
    ),
    OrgSpec(
        "skyline-stays-dubai",
        "Skyline Stays Dubai",
        "property_manager",
        2,
        3,
        ("Downtown Dubai", "Business Bay", "DIFC", "City Walk", "Dubai Creek Harbour"),
        stays=36,
    ),
    OrgSpec(
        "palm-and-sand-vacation-homes",
        "Palm & Sand Vacation Homes",
        "property_manager",
        2,
        2,
        (
            "Palm Jumeirah",
            "Jumeirah",
            "Jumeirah Beach Residence",
            "Bluewaters Island",
            "Dubai Hills Estate",
            "Arabian Ranches",
        ),
        stays=32,
    ),
    OrgSpec(
        "creekside-serviced-residences",
        "Creekside Serviced Residences",
        "property_manager",
        2,
        3,
        ("Deira", "Bur Dubai", "Al Seef", "Dubai Creek Harbour", "Business Bay"),
        stays=28,
        serviced_pct=45,
    ),
    OrgSpec(
        "greenbelt-living",
        "Greenbelt Living Holiday Homes",
        "property_manager",
        1,
        2,
        (
            "Jumeirah Village Circle",
            "Dubai Hills Estate",
            "Arabian Ranches",
            "Al Barsha",
            "Jumeirah Lake Towers",
        ),
        stays=14,
    ),
    OrgSpec(
        "desert-rose-holiday-homes",
        "Desert Rose Holiday Homes",
        "property_manager",
        1,
        1,
        ("Al Barsha", "Jumeirah Village Circle", "Jumeirah", "Bur Dubai", "Deira"),
        stays=12,
    ),
    OrgSpec(
        "al-mansoori-family-villas",
        "Al Mansoori Family Villas",
        "host",
        0,
        1,
        ("Jumeirah", "Palm Jumeirah"),
        stays=4,
        owner=("Hamdan", "Al Mansoori"),
    ),
    OrgSpec(
        "laylas-marina-nest",
        "Layla's Marina Nest",
        "host",
        0,
        0,
        ("Dubai Marina", "Jumeirah Beach Residence"),
        stays=3,
        owner=("Layla", "Haddad"),
    ),
    OrgSpec(
        "the-frond-retreat",
        "The Frond Retreat",
        "host",
        0,
        0,
        ("Palm Jumeirah",),
        stays=2,
        owner=("Oliver", "Bennett"),
    ),
    OrgSpec(
        "hills-and-fairways-homes",
        "Hills & Fairways Homes",
        "host",
        0,
        1,
        ("Dubai Hills Estate",),
        stays=3,
        owner=("Priya", "Menon"),
    ),
    OrgSpec(
        "boulevard-lofts",
        "Boulevard Lofts",
        "host",
        1,
        1,
        ("Downtown Dubai",),
        stays=5,
        owner=("Karim", "Nasser"),
    ),
    OrgSpec(
        "seef-heritage-stays",
        "Seef Heritage Stays",
        "host",
        0,
        1,
        ("Al Seef", "Bur Dubai"),
        stays=3,
        owner=("Mariam", "Al Ketbi"),
    ),
    OrgSpec(
        "jvc-pocket-studios",
        "JVC Pocket Studios",
        "host",
        0,
        0,
        ("Jumeirah Village Circle", "Al Barsha"),
        stays=4,
        owner=("Angelica", "Santos"),
    ),
    OrgSpec(
        "gulf-horizon-properties",
        "Gulf Horizon Properties",
        "property_manager",
        2,
        2,
        (
            "Dubai Marina",
            "Jumeirah Lake Towers",
            "Business Bay",
            "Downtown Dubai",
            "Palm Jumeirah",
            "Dubai Creek Harbour",
        ),
        leases=8,
    ),
    OrgSpec(
        "crescent-residential-leasing",
        "Crescent Residential Leasing",
        "property_manager",
        1,
        2,
        (
            "Jumeirah Village Circle",
            "Dubai Hills Estate",
            "Arabian Ranches",
            "Al Barsha",
            "Bur Dubai",
            "Deira",
        ),
        leases=8,
    ),
    OrgSpec("red-dune-safaris", "Red Dune Desert Safaris", "provider", 2, 3),
    OrgSpec("creek-and-marina-cruises", "Creek & Marina Cruises", "provider", 1, 3),
    OrgSpec("souk-to-table-food-tours", "Souk to Table Food Tours", "provider", 1, 1),
    OrgSpec("adrenaline-gulf-adventures", "Adrenaline Gulf Adventures", "provider", 2, 2),
    OrgSpec("falcon-chauffeur-transfers", "Falcon Chauffeur & Transfers", "provider", 1, 3),
    OrgSpec("heritage-trails-dubai", "Heritage Trails Dubai", "provider", 1, 2),
)
