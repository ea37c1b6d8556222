"""English sentence templates for the akimat's English releases.

Fewer templates than Russian and Kazakh: about one release in four has an
English version. City-news sentences must not contain the word "craft".
"""

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

SLOTS: dict[str, list] = {
    "district": [
        ("Almaly district", "in Almaly district"),
        ("Medeu district", "in Medeu district"),
        ("Bostandyk district", "in Bostandyk district"),
        ("Auezov district", "in Auezov district"),
        ("Turksib district", "in Turksib district"),
        ("Zhetysu district", "in Zhetysu district"),
        ("Nauryzbay district", "in Nauryzbay district"),
        ("Alatau district", "in Alatau district"),
    ],
    "street": ["Abay Avenue", "Tole Bi Street", "Al-Farabi Avenue", "Satpayev Street"],
    "person": [
        ("Yerlan Saparov", "deputy mayor of Almaty", "said"),
        ("Aigul Nurlanova", "head of the culture department", "said"),
        ("Daniyar Akhmetov", "district akim", "noted"),
        ("Saule Zhaksylykova", "head of the education department", "said"),
        ("Bauyrzhan Kassymov", "head of the mobility department", "explained"),
        ("Madina Ospanova", "head of the tourism department", "noted"),
        ("Nurlan Bekmukhanov", "head of the energy department", "said"),
        ("Assel Tursunbayeva", "head of the health department", "stressed"),
    ],
    "park": [
        "the First President's Park",
        "the Central Park",
        "Victory Park",
        "the Botanical Garden",
    ],
    "venue": ["at the Central State Museum", "on the Arbat", "at the Palace of the Republic"],
    "master": ["Gulnar Zhumabekova", "Serik Abdrakhmanov", "Zhanar Iskakova", "Talgat Omarov"],
    "country": ["Uzbekistan", "Turkey", "India", "Kyrgyzstan", "Iran", "China", "Italy"],
    "school_kind": ["school-gymnasium", "school-lyceum", "secondary school"],
}

TOPICS: dict[str, dict[str, list[str]]] = {
    "transport": {
        "title": ["Almaty launches {n2} new bus routes", "New bus lane opens on {street}"],
        "lead": ["Almaty continues to renew its public transport with {n} new buses."],
        "det": [
            "Intervals on busy routes will be cut to {n2} minutes.",
            "All new buses are low-floor and accept cashless payment.",
            "Metro ridership grew by {pct} percent in a year.",
        ],
    },
    "utilities": {
        "title": ["Almaty upgrades {n2} kilometres of heating networks"],
        "lead": ["Planned works on heating networks began {district_1}."],
        "det": [
            "Hot water will be restored within {n2} days.",
            "The city allocated {sum} billion tenge to modernise the networks.",
            "Residents are asked to report accidents by calling 109.",
        ],
    },
    "parks": {
        "title": ["{n} trees to be planted in {park}", "Renovated square opens {district_1}"],
        "lead": ["Landscaping of the main alley in {park} has been completed."],
        "det": [
            "{n2} benches, new lighting and automatic irrigation were installed.",
            "Residents chose the design in an open vote.",
            "Family events and concerts will be held here at weekends.",
        ],
    },
    "schools": {
        "title": ["New school for {n} pupils opens {district_1}"],
        "lead": ["{school_kind} No. {num} for {n} pupils opened {district_1}."],
        "det": [
            "The building has robotics, chemistry and physics classrooms.",
            "Teaching will be in Kazakh and Russian.",
            "The school has a gym, a swimming pool and a canteen.",
        ],
    },
    "health": {
        "title": ["New outpatient clinic opens {district_1}"],
        "lead": ["A clinic for {n} visits per shift opened {district_1}."],
        "det": [
            "Residents can register with the clinic through the e-government portal.",
            "Waiting times for specialists fell by {pct} percent.",
            "Ambulance teams received {n2} new vehicles.",
        ],
    },
    "sport": {
        "title": ["Almaty Marathon brings together {n} runners"],
        "lead": ["The traditional city marathon took place in Almaty."],
        "det": [
            "Runners from {n2} countries took part.",
            "Sports sections are free for children from large families.",
            "The final will be held on {month} {day} at the Central Stadium.",
        ],
    },
    "fair": {
        "title": ["Almaty to host a handicraft fair", "Artisans of Almaty to show their work"],
        "lead": ["A city handicraft fair opens {venue} on {month} {day}."],
        "det": [
            "Visitors can buy felt toys, ceramics and jewellery made by artisans.",
            "Children are invited to workshops in traditional crafts.",
            "Participation is free for craftspeople.",
        ],
    },
    "carpet": {
        "title": ["Almaty artisans revive carpet weaving"],
        "lead": ["An exhibition of carpets and felt crafts opened in Almaty."],
        "det": [
            "Artisans make syrmak and tekemet felt carpets using old techniques.",
            "Weaving one carpet takes a craftswoman up to {n2} weeks.",
            "The handicraft centre teaches the craft for free.",
        ],
    },
    "pottery": {
        "title": ["Pottery and jewellery workshops open in Almaty"],
        "lead": ["A pottery workshop for young artisans opened {district_1}."],
        "det": [
            "Master potter {master} teaches the craft to teenagers.",
            "Handicraft gives an income to {n2} families.",
            "Works by local artisans are sold in souvenir shops.",
        ],
    },
    "alacraft": {
        "title": ["ALA CRAFT festival gathers artisans from {n2} countries"],
        "lead": ["The international crafts festival ALA CRAFT opens in Almaty on {month} {day}."],
        "det": [
            "The programme includes exhibitions, workshops and a handicraft fair.",
            "Artisans from {country} and other countries will take part.",
            "Entry to all festival venues is free.",
        ],
    },
    "wcc_status": {
        "title": ["Almaty named World Craft City", "Almaty receives the World Craft City title"],
        "lead": ["Almaty has officially been named a World Craft City."],
        "det": [
            "The World Craft City title opens an international network of craft cities.",
            "Almaty is the third World Craft City in Kazakhstan after Taraz and Turkestan.",
        ],
    },
    "wcc_council": {
        "title": ["World Crafts Council delegation visits Almaty"],
        "lead": ["A delegation of the World Crafts Council arrived in Almaty."],
        "det": [
            "The World Crafts Council unites organisations from more than {n2} countries.",
            "World Crafts Council experts praised the city's handicraft centre.",
        ],
    },
    "beer": {
        "title": ["Craft beer festival held in Almaty"],
        "lead": ["A craft beer festival took place in Almaty at the weekend."],
        "det": [
            "Local breweries presented {n2} kinds of craft beer.",
            "A plant producing kraft paper packaging created {n} jobs.",
        ],
    },
    "minecraft": {
        "title": ["Almaty pupils compete in a Minecraft tournament"],
        "lead": ["A city Minecraft tournament for schoolchildren took place in Almaty."],
        "det": [
            "{n} pupils from {n2} schools took part.",
            "Teams built models of city blocks in Minecraft.",
        ],
    },
    "aircraft": {
        "title": ["Almaty students present an aircraft model at the air show"],
        "lead": ["Students presented an aircraft model and a spacecraft mock-up at the air show."],
        "det": [
            "More than {n} people visited the exhibition.",
            "The satellite launch is planned for {year}.",
        ],
    },
}

SHARED: dict[str, list[str]] = {
    "quote": [
        "\u201cWe will continue this work next year,\u201d {person_2} {person}, {person_1}.",
        "\u201cResidents already see the results,\u201d {person_2} {person}.",
    ],
    "quote_crafts": [
        "\u201cCraft is our memory and our future,\u201d {person_2} {person}, {person_1}.",
        "\u201cArtisans must be able to live from their craft,\u201d {person_2} {person}.",
    ],
    "artisans": [
        "More than {n} artisans and folk craft masters work in the city.",
        "Craftspeople will get access to grants and cheaper workshop rent.",
    ],
    "council": [
        "The decision was taken by the World Crafts Council (WCC-AISBL).",
        "The World Crafts Council was founded in 1964.",
    ],
    "wcc_mention": [
        "Almaty holds the title of World Craft City since October 2025.",
    ],
    "crafts_aside": [
        "Folk craft masters will also work at the venue.",
        "A small handicraft fair awaits the guests.",
    ],
    "close": [
        "Details are published on the official website of the Almaty akimat.",
        "Questions can be asked by calling the 109 contact centre.",
    ],
}

IMG_ALT = "Photo: akimat press service"
UPDATED = "Updated: {date}. The article was supplemented with comments of the press service."
TITLE_UPDATED = "{title}: details"
