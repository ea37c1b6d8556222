"""Compose generated news stories from the sentence tables of each language.

A story is planned once (topic, which sentence roles, which template and slot
indices) and then rendered in any language from that plan, so the Russian,
Kazakh and English versions of an akimat release tell the same story and
carry the same mention categories.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from types import ModuleType

from crawler.replica import textgen_en, textgen_kk, textgen_ru

LANG_TABLES: dict[str, ModuleType] = {"ru": textgen_ru, "kk": textgen_kk, "en": textgen_en}

CRAFTS = "crafts"
WCC_TITLE = "world_craft_city"
WCC_ORG = "world_crafts_council"

# (kind, share of stories, topics of that kind)
KINDS: list[tuple[str, float, tuple[str, ...]]] = [
    ("city", 0.65, ("transport", "utilities", "parks", "schools", "health", "sport")),
    ("crafts", 0.15, ("fair", "carpet", "pottery", "alacraft")),
    ("wcc", 0.10, ("wcc_status", "wcc_council")),
    ("trap", 0.05, ("beer", "minecraft", "aircraft")),
    ("city_crafts", 0.05, ("parks", "sport", "schools")),
]

# Categories carried by every title/lead/detail sentence of a topic.
TOPIC_CATS: dict[str, frozenset[str]] = {
    "fair": frozenset({CRAFTS}),
    "carpet": frozenset({CRAFTS}),
    "pottery": frozenset({CRAFTS}),
    "alacraft": frozenset({CRAFTS}),
    "wcc_status": frozenset({WCC_TITLE}),
    "wcc_council": frozenset({WCC_ORG}),
}

# Categories of the shared roles (sentences not tied to a topic).
ROLE_CATS: dict[str, frozenset[str]] = {
    "quote": frozenset(),
    "close": frozenset(),
    "quote_crafts": frozenset({CRAFTS}),
    "artisans": frozenset({CRAFTS}),
    "crafts_aside": frozenset({CRAFTS}),
    "council": frozenset({WCC_ORG}),
    "wcc_mention": frozenset({WCC_TITLE}),
}

TOPIC_ROLES = ("title", "lead", "det")


@dataclass(frozen=True)
class Plan:
    """Everything random about a story, independent of the language."""

    kind: str
    topic: str
    paragraphs: tuple[tuple[str, ...], ...]  # roles, e.g. ("lead", "det")
    picks: tuple[int, ...]  # one template pick per role occurrence, title first
    slots: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Sentence:
    text: str
    cats: frozenset[str]


def pick_kind(rng: random.Random) -> tuple[str, str]:
    """Draw the kind and topic of a story with the shares of ``KINDS``."""
    x = rng.random()
    for kind, share, topics in KINDS:
        if x < share:
            return kind, rng.choice(topics)
        x -= share
    kind, _, topics = KINDS[0]
    return kind, rng.choice(topics)


def _count(rng: random.Random, low: int, high: int) -> int:
    """A number whose Russian noun takes the genitive plural (5-20, 25, 37 …).

    Templates say "{n} деревьев"; drawing only such numbers keeps them grammatical.
    """
    while True:
        n = rng.randint(low, high)
        if n % 10 in (0, 5, 6, 7, 8, 9) or 11 <= n % 100 <= 14:
            return n


def make_plan(rng: random.Random) -> Plan:
    kind, topic = pick_kind(rng)
    extra = rng.random() < 0.5
    if kind == "crafts":
        paras = [("lead", "det"), ("det", "artisans"), ("quote_crafts",)]
        if rng.random() < 0.3:
            paras.append(("wcc_mention",))
    elif kind == "wcc" and topic == "wcc_status":
        paras = [("lead", "det"), ("council", "det"), ("artisans",), ("quote_crafts",)]
    elif kind == "wcc":
        paras = [("lead", "det"), ("det", "wcc_mention"), ("artisans",), ("quote",)]
    elif kind == "city_crafts":
        paras = [("lead", "det"), ("det", "crafts_aside"), ("quote",)]
    else:
        paras = [("lead", "det"), ("det", "det"), ("quote",)]
    if extra:
        paras.append(("det",))
    paras.append(("close",))
    n_roles = 1 + sum(len(p) for p in paras)
    picks = tuple(rng.randrange(1_000_000) for _ in range(n_roles))
    slot_names = (
        "district",
        "street",
        "person",
        "park",
        "venue",
        "master",
        "country",
        "month",
        "school_kind",
    )
    slots = [(name, rng.randrange(1_000_000)) for name in slot_names]
    slots += [
        ("n", _count(rng, 12, 480)),
        ("n2", _count(rng, 5, 60)),
        ("pct", _count(rng, 5, 45)),
        ("sum", _count(rng, 5, 95)),
        ("day", rng.randint(1, 28)),
        ("year", rng.choice((2024, 2025, 2026))),
        ("num", rng.randint(2, 190)),
    ]
    return Plan(kind, topic, tuple(paras), picks, tuple(slots))


def _slot_values(table: ModuleType, plan: Plan) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, idx in plan.slots:
        options = table.SLOTS.get(name)
        if options is None:
            values[name] = str(idx)
        else:
            entry = options[idx % len(options)]
            if isinstance(entry, tuple):  # several forms of one value
                for i, form in enumerate(entry):
                    values[name if i == 0 else f"{name}_{i}"] = form
            else:
                values[name] = entry
    month_idx = dict(plan.slots)["month"] % 12
    values["month"] = table.MONTHS[month_idx]
    return values


def _templates(table: ModuleType, topic: str, role: str) -> list[str]:
    if role in TOPIC_ROLES:
        return table.TOPICS[topic][role]
    return table.SHARED[role]


def _cats(topic: str, role: str) -> frozenset[str]:
    if role in TOPIC_ROLES:
        return TOPIC_CATS.get(topic, frozenset())
    return ROLE_CATS[role]


def render(plan: Plan, lang: str) -> tuple[Sentence, list[list[Sentence]]]:
    """The title and the paragraphs (lists of sentences) of a plan in ``lang``."""
    table = LANG_TABLES[lang]
    values = _slot_values(table, plan)
    picks = iter(plan.picks)
    used: dict[str, set[int]] = {}

    def sentence(role: str) -> Sentence:
        options = _templates(table, plan.topic, role)
        taken = used.setdefault(role, set())
        i = next(picks) % len(options)
        # Avoid repeating a template within a story while others are unused.
        while i in taken and len(taken) < len(options):
            i = (i + 1) % len(options)
        taken.add(i)
        text = options[i].format(**values)
        # Slots such as "в Алмалинском районе" may open a sentence.
        return Sentence(text[:1].upper() + text[1:], _cats(plan.topic, role))

    title = sentence("title")
    paragraphs = [[sentence(role) for role in para] for para in plan.paragraphs]
    return title, paragraphs
