"""Hand-written experiences at their real Dubai venues and meeting points.

Written out in full because real operators, venues and meeting points are what make a tour
listing credible; the generator only varies each closing sentence.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExperienceSpec:
    """One experience exactly as its operator would describe it."""

    org: str
    title: str
    category: str
    area: str
    address: str
    meeting_point: str
    minutes: int
    capacity: int
    price_aed: int
    story: str
    captions: tuple[str, ...]


_HOTEL_PICKUP = "Hotel lobby pick-up across central Dubai; exact time confirmed the day before"
_E = ExperienceSpec
_SAFARI: tuple[ExperienceSpec, ...] = (
    _E(
        "red-dune-safaris",
        "Evening red-dune safari with BBQ dinner and live shows",
        "tour",
        "Lahbab Desert",
        "Red dune camp, Dubai-Hatta Road (E44), Lahbab",
        f"{_HOTEL_PICKUP}, from 14:30; self-drivers meet at the Lahbab camp gate",
        390,
        42,
        240,
        "Ride over the tall red dunes of Lahbab in a 4x4 Land Cruiser, stop for sunset photos and "
        "try sandboarding on the slopes. The evening ends at a Bedouin-style camp with a BBQ "
        "buffet, henna painting and a tanoura dance show.",
        (
            "Land Cruisers lined up at the dune edge",
            "Sunset over the red dunes",
            "Camp dinner under lanterns",
            "Tanoura dancer by the fire",
        ),
    ),
    _E(
        "red-dune-safaris",
        "Sunrise dune drive and camel trek in Al Qudra",
        "activity",
        "Al Qudra",
        "Al Qudra Lakes car park, Al Qudra Road (D63)",
        "Al Qudra Lakes car park, 30 minutes before sunrise; hotel pick-up on request",
        240,
        24,
        220,
        "Beat the heat with a dawn drive through the quiet dunes near Al Qudra Lakes, followed by "
        "a gentle camel trek as the sun comes up. Arabic coffee, dates and a light breakfast are "
        "served at a small camp among the ghaf trees.",
        (
            "Camel caravan at first light",
            "Breakfast among the ghaf trees",
            "Dunes near Al Qudra Lakes",
        ),
    ),
    _E(
        "red-dune-safaris",
        "Self-drive quad biking in the Lahbab red dunes",
        "activity",
        "Lahbab Desert",
        "Quad base, Dubai-Hatta Road (E44), Lahbab",
        "Quad base on the E44 at Lahbab; transfers from central Dubai can be added",
        120,
        12,
        350,
        "After a safety briefing and a practice loop, follow your guide on a 450cc quad bike "
        "across open red dunes. Helmets, goggles and gloves are provided, and riders need a valid "
        "driving licence.",
        ("Quad bikes ready at the base", "Riding the crest of a red dune", "Safety briefing"),
    ),
    _E(
        "red-dune-safaris",
        "Overnight desert camp under the stars",
        "other",
        "Lahbab Desert",
        "Star camp, Dubai-Hatta Road (E44), Lahbab",
        f"{_HOTEL_PICKUP}, from 15:00",
        960,
        20,
        650,
        "Spend the night at a low-light camp deep in the Lahbab dunes, with a telescope session "
        "led by an astronomy guide after dinner. Wake up to sunrise tea and a hot breakfast "
        "before the drive back to the city.",
        ("Bedouin tents at dusk", "Telescope session under the Milky Way", "Sunrise tea"),
    ),
    _E(
        "red-dune-safaris",
        "Hot-air balloon flight over the Margham desert",
        "activity",
        "Margham Desert",
        "Balloon launch site, Margham Road",
        "Hotel pick-up from Dubai Marina, Downtown and Palm Jumeirah between 04:00 and 04:30",
        270,
        24,
        1150,
        "Lift off at first light for an hour above the dunes, spotting grazing oryx and, on clear "
        "mornings, the Hajar mountains. Back on the ground there is a falconry demonstration and "
        "a gourmet breakfast in a desert camp.",
        (
            "Balloons inflating at dawn",
            "Floating above the Margham dunes",
            "Falcon on the glove",
            "Breakfast in the desert camp",
        ),
    ),
    _E(
        "red-dune-safaris",
        "Vintage Land Rover heritage safari",
        "tour",
        "Margham Desert",
        "Heritage camp, Dubai Desert Conservation Reserve",
        f"{_HOTEL_PICKUP}, from 14:00",
        360,
        16,
        650,
        "Cross the Dubai Desert Conservation Reserve in restored 1950s Land Rovers with a "
        "naturalist guide who explains how Bedouin families lived in the sands. The trip "
        "includes a falconry display and a traditional Emirati dinner in a heritage camp.",
        ("Restored Land Rover in the reserve", "Arabian oryx at dusk", "Heritage camp dinner"),
    ),
)
_WATER: tuple[ExperienceSpec, ...] = (
    _E(
        "creek-and-marina-cruises",
        "Dubai Marina dhow dinner cruise with buffet",
        "meal",
        "Dubai Marina",
        "Marina Walk pontoon, opposite Marina Mall",
        "Boarding at the Marina Walk pontoon from 19:30, departure at 20:30",
        120,
        90,
        190,
        "Cruise past the lit-up towers of Dubai Marina and out towards Ain Dubai on a "
        "glass-topped wooden dhow. A buffet of Arabic and international dishes is served on "
        "board with soft drinks and a live oud player.",
        ("Dhow on the Marina at night", "Buffet on the upper deck", "Marina towers lit up"),
    ),
    _E(
        "creek-and-marina-cruises",
        "Dubai Creek dhow dinner cruise from Al Seef",
        "meal",
        "Al Seef",
        "Al Seef waterfront jetty, Al Seef Street",
        "Al Seef jetty beside the heritage quarter, 30 minutes before departure",
        120,
        110,
        150,
        "Sail the historic creek between Al Seef and Deira on a traditional dhow, passing wind "
        "towers, souks and busy abra stations. Dinner is a hot buffet of mezze, grills and Umm "
        "Ali, with tanoura dancers on the lower deck.",
        ("Dhow moored at Al Seef", "Mezze and grills on board", "Creekside lights at night"),
    ),
    _E(
        "creek-and-marina-cruises",
        "Sunset yacht cruise past the Palm and Atlantis",
        "tour",
        "Dubai Marina",
        "Dubai Marina Yacht Club, Marina Walk",
        "Dubai Marina Yacht Club reception, 20 minutes before sailing",
        120,
        24,
        350,
        "Board a 75-foot yacht and sail past JBR, Bluewaters and the outer crescent of the Palm "
        "as the sun goes down. Soft drinks, canapés and a swim stop in calm water are included.",
        ("Yacht leaving the Marina", "Atlantis at golden hour", "Sun deck with canapés"),
    ),
    _E(
        "creek-and-marina-cruises",
        "Private three-hour yacht charter for up to 12",
        "activity",
        "Dubai Marina",
        "Pier 7 berths, Marina Walk",
        "Pier 7 berths on Marina Walk; the crew meets you at the gangway",
        180,
        12,
        600,
        "Charter a 52-foot yacht with captain and crew for your own group, choosing a route "
        "around the Marina, Ain Dubai and the Burj Al Arab. Towels, soft drinks, ice and a "
        "sound system are on board, and catering can be arranged.",
        ("Private yacht at Pier 7", "Flybridge seating", "Swim stop off the Palm"),
    ),
    _E(
        "creek-and-marina-cruises",
        "Traditional abra ride and creek heritage loop",
        "tour",
        "Bur Dubai",
        "Bur Dubai Old Souk Abra Station, Al Fahidi Street",
        "Bur Dubai Old Souk Abra Station, at the green ticket kiosk",
        60,
        20,
        80,
        "Hop on a wooden abra for a private loop of Dubai Creek, with your skipper pointing out "
        "the old customs house, wind towers and trading dhows. The ride ends at the Deira Old "
        "Souk station, steps from the spice and gold souks.",
        ("Wooden abra on the creek", "Trading dhows at the wharf", "Old Souk abra station"),
    ),
    _E(
        "creek-and-marina-cruises",
        "Speedboat tour of the Palm, Atlantis and Burj Al Arab",
        "tour",
        "Dubai Marina",
        "Dubai Marina Yacht Club, Marina Walk",
        "Dubai Marina Yacht Club pontoon C, 15 minutes before departure",
        90,
        10,
        450,
        "Race out of the Marina on a twin-engine speedboat for close-up photo stops at Atlantis, "
        "the Palm crescent and the Burj Al Arab. Life jackets and water are provided and the "
        "skipper times each stop for the best light.",
        ("Speedboat at full throttle", "Photo stop at Atlantis", "Burj Al Arab from the water"),
    ),
    _E(
        "creek-and-marina-cruises",
        "Half-day deep-sea fishing trip off Dubai Harbour",
        "activity",
        "Dubai Marina",
        "Dubai Harbour marina, King Salman Bin Abdulaziz Al Saud St",
        "Dubai Harbour marina security gate, 06:00 sharp",
        240,
        8,
        550,
        "Head offshore with an experienced skipper in search of kingfish, queenfish and "
        "barracuda, with rods, tackle and bait supplied. Your catch can be cleaned and packed "
        "to take home, and soft drinks are included.",
        ("Fishing boat leaving the harbour", "Kingfish on the line", "Rods ready at dawn"),
    ),
)
_FOOD: tuple[ExperienceSpec, ...] = (
    _E(
        "souk-to-table-food-tours",
        "Old Dubai food tour through Deira and Bur Dubai",
        "tour",
        "Deira",
        "Al Ras metro exit, Al Ras Street",
        "Al Ras metro station, exit 1, at 17:30",
        240,
        12,
        420,
        "Taste your way through more than ten family-run eateries, from Iranian kebab joints to "
        "Emirati luqaimat stalls, crossing the creek by abra between stops. Your guide shares "
        "the stories of the merchant families who built the city's food scene.",
        ("Luqaimat fresh from the fryer", "Kebabs at a Deira grill", "Abra crossing at dusk"),
    ),
    _E(
        "souk-to-table-food-tours",
        "Emirati breakfast and cultural conversation in Al Fahidi",
        "meal",
        "Bur Dubai",
        "Al Fahidi Historical Neighbourhood, House 26",
        "Wind-tower courtyard, Al Fahidi Historical Neighbourhood, 09:45",
        90,
        30,
        150,
        "Sit on floor cushions in a restored wind-tower house and share a breakfast of balaleet, "
        "chebab pancakes and khameer bread. Emirati hosts answer questions about local customs, "
        "dress and faith in an open, friendly conversation.",
        ("Breakfast spread on floor cushions", "Wind-tower courtyard", "Arabic coffee pour"),
    ),
    _E(
        "souk-to-table-food-tours",
        "Emirati home-cooking class in a Jumeirah villa",
        "activity",
        "Jumeirah",
        "Villa 12, Jumeirah 1, off Al Wasl Road",
        "Villa 12 gate, Jumeirah 1; free street parking outside",
        180,
        10,
        375,
        "Learn to cook chicken machboos, harees and saffron luqaimat with an Emirati home cook in "
        "her family kitchen. Everyone eats around a shared table and leaves with printed recipes "
        "and a bag of bzar spice blend.",
        ("Machboos simmering on the stove", "Shared table in the majlis", "Saffron and bzar"),
    ),
    _E(
        "souk-to-table-food-tours",
        "Spice Souk and Gold Souk walk with tastings",
        "tour",
        "Deira",
        "Deira Old Souk Abra Station, Baniyas Road",
        "Deira Old Souk Abra Station, by the spice souk entrance, 10:00",
        150,
        14,
        160,
        "Wander the lanes of the Spice Souk sampling saffron, sumac and dried lemons before "
        "stepping into the glittering Gold Souk. Stops for karak chai and fresh Iranian bread "
        "keep everyone going.",
        ("Sacks of spices in the souk", "Gold Souk window displays", "Karak chai stop"),
    ),
    _E(
        "souk-to-table-food-tours",
        "Arabic coffee and date tasting at Al Seef",
        "meal",
        "Al Seef",
        "Al Seef heritage quarter, Al Seef Street",
        "Coffee house courtyard in the Al Seef heritage quarter",
        60,
        12,
        95,
        "Compare five varieties of Emirati dates, from sticky khalas to caramel-like sukkari, "
        "paired with cardamom gahwa brewed over coals. The host explains the etiquette of the "
        "coffee cup and the role of hospitality in Emirati homes.",
        ("Dallah pot over coals", "Tasting plate of five dates", "Courtyard seating"),
    ),
    _E(
        "souk-to-table-food-tours",
        "Levantine mezze cooking class in Al Barsha",
        "activity",
        "Al Barsha",
        "Cookery studio, Al Barsha 1, Street 23",
        "Cookery studio reception, Al Barsha 1, 10 minutes before the start",
        180,
        10,
        320,
        "Roll vine leaves, whip hummus and bake manakish with a Lebanese chef in a bright teaching "
        "kitchen. The class finishes with a long lunch of everything you have made.",
        ("Chef demonstrating manakish", "Mezze spread ready to share", "Rolling vine leaves"),
    ),
    _E(
        "souk-to-table-food-tours",
        "Meena Bazaar street-food trail",
        "tour",
        "Bur Dubai",
        "Meena Bazaar, Al Fahidi Street",
        "Outside Al Fahidi metro station, exit 2, at 18:00",
        180,
        12,
        240,
        "Follow the smell of frying samosas through Meena Bazaar, tasting pani puri, Gujarati "
        "thali and South Indian dosa from stalls that have fed the neighbourhood for decades. "
        "The walk ends with hand-pulled kulfi.",
        ("Pani puri at a street stall", "Dosa on the griddle", "Meena Bazaar after dark"),
    ),
)
_ADVENTURE: tuple[ExperienceSpec, ...] = (
    _E(
        "adrenaline-gulf-adventures",
        "Tandem skydive over Palm Jumeirah",
        "activity",
        "Dubai Marina",
        "Palm drop zone, King Salman Bin Abdulaziz Al Saud Street",
        "Palm drop zone check-in desk, one hour before your jump",
        240,
        6,
        1500,
        "Freefall from 13,000 feet strapped to an instructor, with the whole Palm spread out "
        "beneath you before landing on the beach. Jumpers must be 18 or older and weigh under "
        "100 kg, and video packages are available.",
        ("Freefall above the Palm", "Canopy over the drop zone", "Landing on the beach"),
    ),
    _E(
        "adrenaline-gulf-adventures",
        "Seaplane flight over the Dubai skyline",
        "activity",
        "Al Garhoud",
        "Dubai Creek Golf & Yacht Club, Al Garhoud",
        "Seaplane terminal at Dubai Creek Golf & Yacht Club, 45 minutes before take-off",
        90,
        14,
        1095,
        "Take off from the water for a 40-minute flight over Dubai Creek, Downtown, the Palm and "
        "the World Islands. Every seat is a window seat and the pilot narrates the sights.",
        ("Seaplane on the creek", "Palm Jumeirah from the air", "Cockpit view of Downtown"),
    ),
    _E(
        "adrenaline-gulf-adventures",
        "Jet ski ride to the Burj Al Arab",
        "activity",
        "Jumeirah Beach Residence",
        "Beach hut 4, The Beach, JBR",
        "Beach hut 4 on The Beach at JBR, 20 minutes early for the briefing",
        60,
        8,
        450,
        "Follow a guide on your own jet ski along the coast from JBR to the Burj Al Arab, with "
        "stops for photos beneath the hotel. No licence is needed and life jackets are provided.",
        ("Jet skis lined up on the sand", "Burj Al Arab from the water", "Riding past JBR"),
    ),
    _E(
        "adrenaline-gulf-adventures",
        "Sunset kayaking tour of Dubai Marina",
        "activity",
        "Dubai Marina",
        "Kayak pontoon, Marina Walk",
        "Kayak pontoon near Marina Mall, 17:00",
        90,
        12,
        180,
        "Paddle a stable sit-on-top kayak through the Marina canal as the towers light up, "
        "gliding past superyachts and under the Marina bridges. Beginners are welcome and a "
        "guide stays with the group the whole way.",
        ("Kayaks on the Marina canal", "Paddling under the towers", "Sunset on the water"),
    ),
    _E(
        "adrenaline-gulf-adventures",
        "Stand-up paddleboarding at Palm West Beach",
        "activity",
        "Palm Jumeirah",
        "Palm West Beach, Palm Jumeirah",
        "Board rack at Palm West Beach, 07:30",
        60,
        10,
        150,
        "Start with a short lesson on the sand, then paddle the calm morning water off the Palm "
        "with the Marina skyline behind you. Boards, paddles and leashes are provided.",
        ("Paddleboards on the sand", "Calm water off the Palm", "Lesson on the beach"),
    ),
    _E(
        "adrenaline-gulf-adventures",
        "Parasailing above JBR beach",
        "activity",
        "Jumeirah Beach Residence",
        "Beach hut 2, The Beach, JBR",
        "Beach hut 2 on The Beach at JBR; flights leave every 30 minutes",
        45,
        6,
        350,
        "Rise 80 metres above the Gulf behind a speedboat for a ten-minute flight with views of "
        "Ain Dubai, the Marina and the Palm. Solo and tandem flights are available.",
        ("Parachute above the Gulf", "Launch from the boat deck", "JBR seen from above"),
    ),
    _E(
        "adrenaline-gulf-adventures",
        "Flyboard session off Bluewaters Island",
        "activity",
        "Bluewaters Island",
        "Water-sports jetty, Bluewaters Island",
        "Water-sports jetty on the south side of Bluewaters Island",
        45,
        4,
        400,
        "Strap into a water-jet board and learn to hover above the sea with an instructor "
        "controlling the power from a jet ski. Most riders are flying within ten minutes.",
        ("Flyboarder above the water", "Instructor on the jet ski", "Ain Dubai behind"),
    ),
    _E(
        "adrenaline-gulf-adventures",
        "Guided ride on the Al Qudra cycle track",
        "activity",
        "Al Qudra",
        "Al Qudra Cycle Track start, Al Qudra Road (D63)",
        "Cycle hub at the Al Qudra track entrance, 06:00",
        150,
        12,
        190,
        "Ride a road bike through the desert on a smooth dedicated track, passing dunes, oryx "
        "and the Al Qudra Lakes. Bikes, helmets, water and a coffee stop are included.",
        ("Cyclists on the desert track", "Oryx by the roadside", "Coffee stop at the lakes"),
    ),
    _E(
        "adrenaline-gulf-adventures",
        "Golf clinic with a PGA professional at Dubai Hills",
        "activity",
        "Dubai Hills Estate",
        "Dubai Hills Golf Club, Dubai Hills Estate",
        "Academy desk at Dubai Hills Golf Club, 15 minutes early",
        90,
        4,
        450,
        "Work on your swing with a PGA professional on the floodlit range, then play three "
        "holes of the championship course. Clubs and balls are included.",
        ("Floodlit driving range", "Putting green practice", "Fairway with skyline view"),
    ),
)
_GROUND: tuple[ExperienceSpec, ...] = (
    _E(
        "falcon-chauffeur-transfers",
        "Private DXB airport transfer to Marina, JBR or the Palm",
        "transport",
        "Dubai International Airport",
        "Terminal 1 and 3 arrivals, Airport Road",
        "Arrivals hall; your chauffeur waits with a name board",
        60,
        4,
        110,
        "A chauffeur tracks your flight and meets you in the arrivals hall, then drives you in a "
        "late-model sedan or SUV straight to your stay. Bottled water and Wi-Fi are on board.",
        ("Chauffeur with name board", "Luxury sedan at arrivals", "Wi-Fi on board"),
    ),
    _E(
        "falcon-chauffeur-transfers",
        "Airport meet-and-greet transfer to Downtown",
        "transport",
        "Dubai International Airport",
        "Terminal 3 arrivals, Airport Road",
        "Terminal 3 arrivals, meeting point B",
        40,
        6,
        90,
        "Skip the taxi queue with a meet-and-greet service to Downtown and Business Bay in a "
        "spacious minivan with room for luggage. Child seats are available on request.",
        ("Minivan with luggage space", "Meeting point B", "Driving past Downtown"),
    ),
    _E(
        "falcon-chauffeur-transfers",
        "Half-day private chauffeur around Dubai",
        "transport",
        "Downtown Dubai",
        "Hotel lobby, Downtown Dubai",
        "Your hotel or apartment lobby in central Dubai",
        240,
        4,
        300,
        "Keep a chauffeur and car for four hours to shop, sightsee or attend meetings at your "
        "own pace. Drivers speak English and Arabic and know every mall entrance.",
        ("Chauffeur opening the door", "Sedan outside Dubai Mall", "Leather rear seats"),
    ),
    _E(
        "falcon-chauffeur-transfers",
        "Shared shuttle from Dubai Marina to Dubai Mall",
        "transport",
        "Dubai Marina",
        "Marina Mall taxi rank, Al Marsa Street",
        "Marina Mall taxi rank, departures every hour from 10:00",
        45,
        14,
        80,
        "An air-conditioned shuttle runs hourly between Dubai Marina and the Dubai Mall, with "
        "space for shopping bags on the way back. Tickets are valid for a return the same day.",
        ("Shuttle at the Marina Mall rank", "Comfortable seating", "Arriving at Dubai Mall"),
    ),
    _E(
        "falcon-chauffeur-transfers",
        "Departure transfer from Palm Jumeirah to DXB",
        "transport",
        "Palm Jumeirah",
        "Hotel or residence lobby, Palm Jumeirah",
        "Your lobby on the Palm, four hours before your flight",
        60,
        4,
        130,
        "A chauffeur collects you and your luggage from the Palm and drops you at the right "
        "terminal, with time to spare. Flight changes are tracked and pick-up adjusted.",
        ("Luggage loaded at the lobby", "SUV on the Palm trunk", "Drop-off at departures"),
    ),
    _E(
        "falcon-chauffeur-transfers",
        "Abu Dhabi day trip to Sheikh Zayed Grand Mosque",
        "tour",
        "Downtown Dubai",
        "Hotel lobby, Downtown Dubai",
        f"{_HOTEL_PICKUP}, from 08:00",
        600,
        14,
        280,
        "Travel to the capital for a guided visit of the Sheikh Zayed Grand Mosque, a photo stop "
        "at Qasr Al Watan and lunch on the Corniche. Modest dress is required at the mosque.",
        ("Sheikh Zayed Grand Mosque courtyard", "Qasr Al Watan", "Abu Dhabi Corniche"),
    ),
)
_CULTURE: tuple[ExperienceSpec, ...] = (
    _E(
        "heritage-trails-dubai",
        "Burj Khalifa At the Top with a guided Downtown walk",
        "tour",
        "Downtown Dubai",
        "Dubai Mall lower ground floor, Financial Centre Road",
        "At the Top entrance, Dubai Mall lower ground floor",
        150,
        15,
        260,
        "Ride the high-speed lifts to the 124th and 125th floors for the view over the city, then "
        "walk the Boulevard with a guide who tells the story of Downtown's rise. Time slots "
        "are chosen for the best light.",
        ("View from level 125", "Burj Khalifa from the Boulevard", "Dubai Fountain at dusk"),
    ),
    _E(
        "heritage-trails-dubai",
        "Al Fahidi and Bur Dubai souk walking tour",
        "tour",
        "Bur Dubai",
        "Al Fahidi Historical Neighbourhood, Al Fahidi Street",
        "Al Fahidi Fort gate, 09:00",
        180,
        16,
        140,
        "Explore the coral-stone lanes and wind towers of Al Fahidi, visit a calligraphy studio "
        "and browse the Textile Souk. The walk ends at the creek with an abra crossing.",
        ("Wind towers of Al Fahidi", "Textile Souk fabrics", "Abra crossing"),
    ),
    _E(
        "heritage-trails-dubai",
        "Guided visit to the Museum of the Future",
        "tour",
        "DIFC",
        "Museum of the Future, Sheikh Zayed Road",
        "Museum main entrance, beside Emirates Towers metro",
        120,
        15,
        220,
        "Tour the torus-shaped museum with a guide who decodes the Arabic calligraphy on its "
        "facade and leads you through the immersive floors. Entry tickets are included.",
        ("Museum facade at night", "Immersive gallery", "Calligraphy on the steel skin"),
    ),
    _E(
        "heritage-trails-dubai",
        "Flamingo watching at Ras Al Khor from Creek Harbour",
        "tour",
        "Dubai Creek Harbour",
        "Creek Marina promenade, Dubai Creek Harbour",
        "Creek Marina promenade information kiosk, 07:00",
        120,
        12,
        120,
        "Walk to the bird hides of the Ras Al Khor Wildlife Sanctuary with a naturalist, where "
        "thousands of flamingos winter in the lagoon. Binoculars and a field guide are provided.",
        ("Flamingos in the lagoon", "Bird hide view", "Creek Harbour skyline"),
    ),
    _E(
        "heritage-trails-dubai",
        "City Walk street art and design trail",
        "tour",
        "City Walk",
        "City Walk, Al Multaqa Street",
        "Fountain plaza in front of City Walk Building 8",
        90,
        15,
        110,
        "Discover large-scale murals by Emirati and international artists between City Walk's "
        "boutiques, and hear how the district was designed for strolling in the heat.",
        ("Mural on a City Walk wall", "Shaded walkway", "Fountain plaza"),
    ),
    _E(
        "heritage-trails-dubai",
        "Ain Dubai observation wheel and Bluewaters stroll",
        "other",
        "Bluewaters Island",
        "Ain Dubai, Bluewaters Island",
        "Ain Dubai ticket hall, 15 minutes before your slot",
        90,
        40,
        180,
        "Ride a cabin of the world's largest observation wheel for views over JBR, the Palm and "
        "the Marina, then stroll the island's promenade with your guide.",
        ("Ain Dubai cabin", "Bluewaters promenade", "JBR beach from above"),
    ),
    _E(
        "heritage-trails-dubai",
        "Henna and Arabic calligraphy workshop at Al Seef",
        "other",
        "Al Seef",
        "Al Seef heritage quarter, Al Seef Street",
        "Workshop majlis in the Al Seef heritage quarter",
        90,
        12,
        160,
        "Learn the basics of Arabic calligraphy with reed pens and ink, then have a traditional "
        "henna design painted by an Emirati artist. You keep your framed calligraphy.",
        ("Reed pens and ink", "Henna on the hand", "Framed calligraphy"),
    ),
    _E(
        "heritage-trails-dubai",
        "Night photography walk along Dubai Marina",
        "tour",
        "Dubai Marina",
        "Marina Walk, by Marina Mall",
        "Marina Mall waterfront exit, 19:00",
        120,
        10,
        190,
        "A professional photographer shows you how to shoot the Marina's reflections, light "
        "trails and towers, with tripod tips for phones and cameras alike.",
        ("Long exposure of the Marina", "Light trails on the bridge", "Tripod on the promenade"),
    ),
)
EXPERIENCES: tuple[ExperienceSpec, ...] = _SAFARI + _WATER + _FOOD + _ADVENTURE + _GROUND + _CULTURE
