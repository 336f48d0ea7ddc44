"""Dubai neighbourhoods with their real approximate centres and local colour.

Listings are scattered around these centres, and their titles and descriptions borrow the
buildings, streets and landmarks below, so the demo reads like a real Dubai market.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Area:
    """One neighbourhood; `radius_m` keeps jittered coordinates inside its real footprint."""

    name: str
    latitude: str
    longitude: str
    radius_m: int
    price_pct: int = 100
    towers: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    landmarks: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    perks: tuple[tuple[str, int], ...] = ()
    villas: tuple[str, ...] = ()
    villa_pct: int = 0
    villa_word: str = "villa"
    max_floor: int = 30
    preposition: str = "in"


_RESIDENTIAL = (
    Area(
        "Dubai Marina",
        "25.080500",
        "55.140300",
        900,
        112,
        (
            "Marina Gate 1",
            "Cayan Tower",
            "Princess Tower",
            "Marina Promenade Delphine",
            "Silverene Tower B",
            "Marina Heights",
            "Al Majara 2",
            "Botanica Tower",
        ),
        ("Al Marsa Street", "Marina Walk", "Al Emreef Street", "Al Seba Street"),
        ("Marina Walk", "Marina Mall", "the Marina tram", "JBR beach"),
        (
            "Marina Walk, with its cafés, yachts and evening crowds, starts at the lobby door.",
            "The DMCC metro station and the Marina tram are a short walk away.",
            "Marina Mall and the beach at JBR are both within a ten-minute stroll.",
        ),
        (("marina_view", 70), ("sea_view", 20)),
        max_floor=60,
    ),
    Area(
        "Downtown Dubai",
        "25.195500",
        "55.276000",
        900,
        135,
        (
            "Burj Vista 1",
            "Boulevard Point",
            "Act One Act Two",
            "29 Boulevard Tower 2",
            "Standpoint Tower A",
            "South Ridge 4",
            "Claren Tower 1",
            "The Lofts East",
        ),
        ("Sheikh Mohammed bin Rashid Boulevard", "Financial Centre Road", "Burj Khalifa Street"),
        ("Dubai Mall", "the Dubai Fountain", "Burj Khalifa", "Souk Al Bahar"),
        (
            "The Dubai Mall and the Dubai Fountain shows are about ten minutes away on foot.",
            "The Boulevard below is lined with cafés that stay busy late into the evening.",
            "Burj Khalifa/Dubai Mall metro station is a short walk or taxi hop away.",
        ),
        (("burj_view", 70),),
        max_floor=60,
    ),
    Area(
        "Jumeirah Beach Residence",
        "25.078000",
        "55.133500",
        700,
        120,
        ("Sadaf 5", "Bahar 1", "Rimal 3", "Murjan 2", "Amwaj 4", "Shams 1"),
        ("The Walk", "Al Mamsha Street"),
        ("JBR Walk", "The Beach", "Ain Dubai", "Bluewaters"),
        (
            "The Beach at JBR, with its sand, splash park and open-air dining, is right below.",
            "The Walk's shops and restaurants stretch along the whole length of the building.",
            "Ain Dubai and the Bluewaters bridge are a short stroll along the promenade.",
        ),
        (("sea_view", 65), ("beach_access", 85), ("marina_view", 25)),
        max_floor=40,
    ),
    Area(
        "Palm Jumeirah",
        "25.112400",
        "55.139000",
        1100,
        150,
        (
            "Tiara Residences",
            "Oceana Residences",
            "Al Haseer, Shoreline Apartments",
            "Golden Mile 4",
            "Azure Residences",
            "The 8",
            "Seven Palm",
            "Marina Residences 2",
        ),
        ("Palm Jumeirah Trunk", "Palm West Beach", "Al Ittihad Park"),
        ("Palm West Beach", "Nakheel Mall", "the Palm Monorail", "Al Ittihad Park"),
        (
            "Nakheel Mall and The View at The Palm are a few minutes from the door.",
            "Palm West Beach clubs and the Al Ittihad Park jogging track are close by.",
            "The Palm Monorail links the trunk to Atlantis and the Dubai Marina tram.",
        ),
        (("sea_view", 60), ("beach_access", 75)),
        ("Frond A", "Frond D", "Frond G", "Frond K", "Frond N", "Garden Homes, Frond C"),
        40,
        max_floor=14,
        preposition="on",
    ),
    Area(
        "Business Bay",
        "25.185000",
        "55.268000",
        1100,
        105,
        (
            "Executive Tower J",
            "Bay Square 6",
            "Canal Views",
            "Paramount Tower",
            "Vera Residences",
            "Churchill Residency",
            "Binghatti Canal",
            "Merano Tower",
        ),
        ("Marasi Drive", "Al Abraj Street", "Al A'amal Street", "Bay Avenue"),
        ("the Dubai Water Canal", "Bay Avenue", "Marasi Marina", "Downtown"),
        (
            "The Dubai Water Canal boardwalk is ideal for sunset runs and evening walks.",
            "Bay Square's cafés and the Business Bay metro station are nearby.",
            "Downtown and the Dubai Mall are one stop or a five-minute taxi ride away.",
        ),
        (("burj_view", 55),),
        max_floor=45,
    ),
    Area(
        "DIFC",
        "25.213000",
        "55.281000",
        500,
        125,
        (
            "Index Tower",
            "Central Park Towers",
            "Burj Daman",
            "Limestone House",
            "Sky Gardens",
            "Liberty House",
        ),
        ("Al Mustaqbal Street", "Gate Avenue", "Sheikh Zayed Road"),
        ("Gate Avenue", "the DIFC galleries", "Emirates Towers", "Museum of the Future"),
        (
            "Gate Avenue's restaurants and the DIFC art galleries are downstairs.",
            "Emirates Towers metro station and the Museum of the Future are a short walk away.",
            "The financial district is quiet at weekends and buzzing on weekday evenings.",
        ),
        (("burj_view", 45),),
        max_floor=45,
    ),
    Area(
        "Jumeirah",
        "25.205000",
        "55.253000",
        900,
        110,
        ("Al Wasl Residences", "Jumeirah Garden Apartments", "Sunset Court"),
        ("Al Wasl Road", "Jumeirah Beach Road"),
        ("Jumeirah Public Beach", "Mercato Mall", "Box Park", "La Mer"),
        (
            "Jumeirah Public Beach and its sunrise joggers are a short drive away.",
            "Independent cafés along Al Wasl Road and the Box Park food stalls are close by.",
            "Mercato Mall and the Jumeirah Mosque are within easy reach.",
        ),
        (("sea_view", 15),),
        (
            "Jumeirah 1, off Al Wasl Road",
            "Jumeirah 2, off Jumeirah Beach Road",
            "Jumeirah 3, Street 19b",
        ),
        55,
        max_floor=6,
    ),
    Area(
        "Al Barsha",
        "25.110000",
        "55.196000",
        1000,
        85,
        ("Al Barsha Heights Residence", "Pond Park View", "Cordoba Residence"),
        ("Umm Suqeim Street", "Hessa Street", "Al Barsha 1, Street 23"),
        ("Mall of the Emirates", "Ski Dubai", "Al Barsha Pond Park"),
        (
            "Mall of the Emirates and Ski Dubai are within walking distance.",
            "Al Barsha Pond Park has a shaded running track and children's play areas.",
            "Mall of the Emirates metro station connects to the Marina and Downtown.",
        ),
        max_floor=12,
    ),
    Area(
        "Jumeirah Lake Towers",
        "25.069500",
        "55.142000",
        900,
        88,
        (
            "Lake Shore Tower",
            "Goldcrest Views 1",
            "Armada Tower 2",
            "Lake Terrace",
            "Bonnington Tower",
            "Green Lakes 3",
            "Indigo Tower",
        ),
        ("Cluster D", "Cluster T", "Cluster Y", "Cluster V", "Cluster A"),
        ("the JLT lakes", "the DMCC metro", "Dubai Marina"),
        (
            "The lakeside promenades below are lined with casual restaurants and coffee shops.",
            "JLT and DMCC metro stations put the whole Red Line within reach.",
            "Dubai Marina is across Sheikh Zayed Road via the pedestrian bridge.",
        ),
        (("marina_view", 20),),
        max_floor=40,
    ),
    Area(
        "Deira",
        "25.269000",
        "55.308000",
        1100,
        70,
        ("Al Rigga Tower", "Baniyas Residence", "Al Muraqqabat Plaza", "Port Saeed Court"),
        ("Al Rigga Street", "Baniyas Road", "Salah Al Din Road", "Al Muraqqabat Road"),
        ("the Gold Souk", "the Spice Souk", "Al Ghurair Centre", "Union metro"),
        (
            "The Gold Souk, the Spice Souk and the creek's wooden abras are close by.",
            "Union and Al Rigga metro stations connect directly to the airport.",
            "Al Rigga Street's shawarma stands and juice bars stay open well past midnight.",
        ),
        max_floor=14,
    ),
    Area(
        "Bur Dubai",
        "25.258000",
        "55.298000",
        1000,
        75,
        ("Al Mankhool Residence", "Al Raffa Court", "BurJuman Residence", "Al Fahidi Heights"),
        ("Khalid Bin Al Waleed Road", "Al Mankhool Road", "Kuwait Street", "Al Fahidi Street"),
        ("Al Fahidi", "BurJuman", "Meena Bazaar", "the Textile Souk"),
        (
            "The lanes and wind towers of the Al Fahidi Historical Neighbourhood are nearby.",
            "BurJuman mall and its metro interchange are a few minutes on foot.",
            "Meena Bazaar's tailors and South Indian canteens are around the corner.",
        ),
        max_floor=14,
    ),
    Area(
        "Dubai Creek Harbour",
        "25.203000",
        "55.345000",
        800,
        100,
        (
            "Creek Rise Tower 1",
            "Harbour Views 2",
            "Creek Horizon",
            "Creek Gate 1",
            "Creekside 18",
            "Address Harbour Point",
        ),
        ("Ras Al Khor Road", "Creek Marina Promenade"),
        ("Creek Marina", "Ras Al Khor sanctuary", "Creek Beach"),
        (
            "The Creek Marina promenade and Creek Beach are right outside.",
            "Flamingos gather in the Ras Al Khor Wildlife Sanctuary next door in winter.",
            "Downtown is about fifteen minutes by car, with skyline views along the way.",
        ),
        (("burj_view", 40),),
        max_floor=40,
    ),
    Area(
        "Dubai Hills Estate",
        "25.109000",
        "55.245000",
        1100,
        105,
        (
            "Park Heights 1",
            "Collective Tower 2",
            "Mulberry 1",
            "Acacia B",
            "Executive Residences 2",
        ),
        ("Dubai Hills Boulevard", "Umm Suqeim Street"),
        ("Dubai Hills Mall", "Dubai Hills Park", "the golf course"),
        (
            "Dubai Hills Park's lawns, cycle paths and play areas are a short walk away.",
            "Dubai Hills Mall has a large supermarket, cinema and indoor roller coaster.",
            "The championship golf course winds through the middle of the estate.",
        ),
        (("burj_view", 20),),
        ("Maple 2", "Sidra 1", "Parkway Vistas", "Fairway Vistas", "Club Villas"),
        35,
        max_floor=20,
    ),
    Area(
        "Jumeirah Village Circle",
        "25.059500",
        "55.208500",
        1000,
        75,
        (
            "Belgravia Heights 1",
            "Bloom Heights",
            "Oxford Residence",
            "Binghatti Gate",
            "Pantheon Elysee",
        ),
        ("District 10", "District 12", "District 14"),
        ("Circle Mall", "the JVC parks", "Al Khail Road"),
        (
            "Circle Mall, with its supermarket and food court, is nearby.",
            "Each district has small parks that are popular with families in the evening.",
            "Al Khail Road and Sheikh Mohammed bin Zayed Road give fast access across the city.",
        ),
        (),
        (
            "Nakheel Townhouses, District 11",
            "Seasons Community, District 12",
            "Indigo Ville 5, District 13",
        ),
        20,
        "townhouse",
        max_floor=14,
    ),
    Area(
        "City Walk",
        "25.207000",
        "55.262000",
        500,
        120,
        ("City Walk Building 8", "City Walk Building 12", "City Walk Building 17"),
        ("Al Safa Street", "Al Wasl Road", "Al Multaqa Street"),
        ("Coca-Cola Arena", "The Green Planet", "City Walk boutiques"),
        (
            "City Walk's boutiques, street art and outdoor restaurants are at your doorstep.",
            "Coca-Cola Arena and The Green Planet are a few minutes' walk away.",
            "Downtown and Jumeirah Beach are each about ten minutes by taxi.",
        ),
        (("burj_view", 35),),
        max_floor=8,
    ),
    Area(
        "Bluewaters Island",
        "25.080000",
        "55.121000",
        300,
        145,
        ("Bluewaters Residences 7", "Bluewaters Residences 3", "Bluewaters Residences 9"),
        ("Bluewaters Island",),
        ("Ain Dubai", "JBR beach", "the Bluewaters promenade"),
        (
            "Ain Dubai and the island's waterfront restaurants are steps away.",
            "A footbridge links the island to the beach and the Walk at JBR.",
            "The island is car-free at its heart, which keeps evenings calm.",
        ),
        (("sea_view", 70), ("beach_access", 80), ("marina_view", 30)),
        max_floor=15,
        preposition="on",
    ),
    Area(
        "Al Seef",
        "25.262000",
        "55.304000",
        400,
        90,
        ("Al Seef Heritage Residences", "Creekside Courtyard", "Al Seef Boutique Lofts"),
        ("Al Seef Street",),
        ("Dubai Creek", "the abra station", "Al Fahidi"),
        (
            "The creekside boardwalk, abra station and souk-style cafés are right outside.",
            "Al Fahidi's museums and galleries are a ten-minute walk along the water.",
            "Traditional dhow cruises depart from the Al Seef jetty every evening.",
        ),
        max_floor=5,
    ),
    Area(
        "Arabian Ranches",
        "25.055000",
        "55.268000",
        1100,
        95,
        streets=("Arabian Ranches Road",),
        landmarks=("Arabian Ranches Golf Club", "the Ranches Souk", "the polo club"),
        notes=(
            "The Ranches Souk has a supermarket, cafés and a pharmacy.",
            "Arabian Ranches Golf Club and the Dubai Polo & Equestrian Club are nearby.",
            "Quiet tree-lined streets and community pools make it ideal for families.",
        ),
        villas=("Saheel 2", "Alvorada 3", "Mirador", "Palmera 2", "Al Reem 1", "Savannah"),
        villa_pct=100,
    ),
)

_EXPERIENCE_ONLY = (
    Area("Al Qudra", "24.836000", "55.372000", 1100, streets=("Al Qudra Road (D63)",)),
    Area("Lahbab Desert", "24.970000", "55.760000", 1100, streets=("Dubai-Hatta Road (E44)",)),
    Area("Margham Desert", "24.900000", "55.625000", 1100, streets=("Margham Road",)),
    Area("Al Garhoud", "25.244000", "55.338000", 800, streets=("Al Garhoud Road",)),
    Area("Dubai International Airport", "25.252800", "55.364400", 800, streets=("Airport Road",)),
)

AREAS: dict[str, Area] = {area.name: area for area in _RESIDENTIAL + _EXPERIENCE_ONLY}
