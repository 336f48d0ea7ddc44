"""Word lists the generators combine, so that no two listings or people read the same.

Kept apart from the generators so that copy can be edited without touching logic.
"""

from __future__ import annotations

# Each pool pairs given names with family names from the same culture, so that generated
# people have plausible full names for Dubai's mixed population.
NAME_POOLS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        (
            "Ahmed",
            "Mohammed",
            "Khalid",
            "Saeed",
            "Hamdan",
            "Sultan",
            "Mariam",
            "Fatima",
            "Shamma",
            "Hessa",
            "Aisha",
            "Latifa",
            "Maitha",
            "Obaid",
        ),
        (
            "Al Falasi",
            "Al Mansoori",
            "Al Marri",
            "Al Shamsi",
            "Al Nuaimi",
            "Al Ketbi",
            "Al Mazrouei",
            "Al Dhaheri",
            "Al Blooshi",
            "Al Mheiri",
        ),
    ),
    (
        (
            "Rami",
            "Layla",
            "Karim",
            "Nour",
            "Yara",
            "Tarek",
            "Dina",
            "Hana",
            "Ziad",
            "Rania",
            "Samir",
            "Lina",
            "Youssef",
            "Salma",
        ),
        (
            "Haddad",
            "Khoury",
            "Nasser",
            "Saleh",
            "Mansour",
            "Farouk",
            "Aziz",
            "El-Sayed",
            "Barakat",
            "Darwish",
        ),
    ),
    (
        (
            "Arjun",
            "Priya",
            "Rahul",
            "Ananya",
            "Vikram",
            "Sneha",
            "Rohan",
            "Meera",
            "Sanjay",
            "Deepa",
            "Kavya",
            "Aditya",
        ),
        (
            "Menon",
            "Sharma",
            "Nair",
            "Patel",
            "Iyer",
            "Pillai",
            "Reddy",
            "Kapoor",
            "Fernandes",
            "Joshi",
        ),
    ),
    (
        ("Imran", "Ayesha", "Faisal", "Zainab", "Bilal", "Sana", "Hamza", "Mahnoor"),
        ("Khan", "Qureshi", "Siddiqui", "Chaudhry", "Malik", "Butt"),
    ),
    (
        (
            "Maria",
            "Jose",
            "Angelica",
            "Mark",
            "Kristine",
            "Paolo",
            "Jasmine",
            "Carlo",
            "Liza",
            "Rowena",
            "Joanna",
            "Miguel",
        ),
        (
            "Santos",
            "Reyes",
            "Cruz",
            "Bautista",
            "Garcia",
            "Mendoza",
            "Villanueva",
            "Dela Cruz",
            "Aquino",
            "Ramos",
        ),
    ),
    (
        (
            "Emma",
            "Oliver",
            "Sophie",
            "James",
            "Charlotte",
            "Thomas",
            "Hannah",
            "George",
            "Lucy",
            "Daniel",
        ),
        ("Clarke", "Whitfield", "Bennett", "O'Brien", "Harper", "Walsh", "Fletcher"),
    ),
    (
        ("Lucas", "Elena", "Marco", "Clara", "Pierre", "Julia", "Henrik", "Anna", "Matteo", "Ines"),
        (
            "Dubois",
            "Rossi",
            "Muller",
            "Novak",
            "Jensen",
            "Kowalski",
            "Laurent",
            "Moretti",
            "Schneider",
            "Costa",
        ),
    ),
    (
        ("Chidi", "Amara", "Kwame", "Wanjiru", "Tendai", "Ngozi", "Kofi", "Zawadi"),
        ("Okafor", "Mensah", "Otieno", "Kamau", "Adeyemi", "Moyo"),
    ),
    (
        ("Wei", "Mei", "Jia", "Hao", "Yuki", "Min-jun", "Ji-woo"),
        ("Zhang", "Chen", "Wang", "Lin", "Tanaka", "Kim", "Park"),
    ),
)

MOBILE_PREFIXES = ("0", "2", "4", "5", "6", "8")  # +971 50/52/54/55/56/58 networks

ADJECTIVES = (
    "Bright",
    "Modern",
    "Cosy",
    "Spacious",
    "Elegant",
    "Designer",
    "Quiet",
    "Sunny",
    "Stylish",
    "Airy",
    "Refurbished",
    "Contemporary",
    "Light-filled",
    "Calm",
)
LANDMARK_LEADS = ("steps from", "near", "walk to", "minutes from", "close to")
VIEW_LEADS = {
    "marina_view": "Marina-view",
    "sea_view": "Sea-view",
    "burj_view": "Burj-view",
    "beach_access": "Beachfront",
}
TITLE_FEATURES = {
    "balcony": "balcony",
    "pool": "pool access",
    "private_pool": "private pool",
    "gym": "gym",
    "dedicated_workspace": "workspace",
    "hot_tub": "hot tub",
    "bbq": "BBQ garden",
    "free_parking": "free parking",
    "beach_access": "beach access",
    "dishwasher": "full kitchen",
    "self_check_in": "self check-in",
}
DESC_FEATURES = {
    "pool": "the building's temperature-controlled pool",
    "gym": "a fully equipped residents' gym",
    "balcony": "a furnished balcony",
    "dishwasher": "a kitchen with a dishwasher",
    "dedicated_workspace": "a proper desk for remote work",
    "private_pool": "a private pool",
    "bbq": "a garden BBQ",
    "hot_tub": "a hot tub",
    "free_parking": "a free parking space",
    "washer": "an in-unit washing machine",
    "dryer": "a tumble dryer",
    "beach_access": "direct access to the beach",
    "doorman": "a 24-hour concierge",
    "crib": "a cot and high chair on request",
    "wheelchair_accessible": "step-free access throughout",
    "wifi": "fast fibre Wi-Fi",
}
VILLA_FEATURES = {
    "pool": "a shared community pool",
    "gym": "the community gym",
    "balcony": "a terrace off the main bedroom",
    "doorman": "a gated community with 24-hour security",
}
FEATURE_LEADS = ("Guests have", "Highlights include", "You will also find", "Expect")
FINISHES = (
    "recently renovated with warm oak floors and blackout curtains",
    "furnished in a calm palette of sand, white and olive",
    "with floor-to-ceiling windows that fill the rooms with light",
    "styled with Arabic-inspired textiles and local artwork",
    "kept spotless by a professional housekeeping team",
    "with a layout that keeps the sleeping and living areas apart",
    "updated in 2025 with new furniture and a smart TV",
    "with hotel-quality linen and a well-stocked kitchen",
    "decorated in soft neutrals with brass and rattan accents",
)
EXTRAS = (
    "A welcome pack with Arabic coffee and dates is waiting on arrival.",
    "Mid-stay housekeeping can be booked for a small fee.",
    "Beach towels, an iron and a hair dryer are provided.",
    "Our guest team answers messages around the clock on WhatsApp.",
)
SELF_CHECK_IN = "Self check-in with a smart lock means you can arrive at any hour."
PARKING = "One covered parking space is included at no extra cost."
CHECK_IN_TIMES = ("15:00", "15:00", "14:00", "16:00")
CHECK_OUT_TIMES = ("11:00", "11:00", "12:00", "10:00")
REGISTRATION = "Every guest must show a passport or Emirates ID for holiday-home registration."
QUIET_HOURS = ("Quiet hours 22:00-08:00.", "Quiet hours 23:00-08:00.")
LEASE_TERMS = {
    1: "Flexible monthly contract with DEWA, internet and cleaning included in the rent.",
    3: "Minimum three-month term, with DEWA and internet included and a refundable deposit.",
    6: "Minimum six-month term; rent is paid monthly and Ejari registration is handled for you.",
    12: "Annual contract registered with Ejari, with rent payable in monthly instalments.",
}
UNFURNISHED_NOTES = (
    "The kitchen comes with built-in appliances and the bedrooms have fitted wardrobes.",
    "Chiller charges are included and the unit is ready for immediate move-in.",
    "Freshly painted and deep-cleaned, with new split air-conditioning units.",
)
EXPERIENCE_CLOSERS = (
    "Prices are per person and include VAT, with free cancellation up to 24 hours ahead.",
    "Confirmation is instant and the team messages you the day before with final details.",
    "Book early for weekends and public holidays, which sell out first.",
)
