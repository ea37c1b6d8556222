"""Who relayed whom: attribution phrases in Russian, Kazakh and English news.

«…, передает Arna Press со ссылкой на пресс-службу акимата Алматы» says that Arna
Press relays (``relayed_by``) what the akimat's press service said (``cites``).
``cites_source`` is the project source the cited party is, when it is one of ours
(``akimat``, ``arnapress``), which is what story linking needs.

>>> a = parse_attribution("Парк откроют в мае, передает Arna Press со ссылкой на "
...                       "пресс-службу акимата Алматы.")
>>> a.relayed_by, a.cites, a.cites_source
('Arna Press', 'пресс-службу акимата Алматы', 'akimat')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.sources.spec import load_specs

_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ"
# An outlet's name: a quoted name, or one to four words starting with a capital
# (Arna Press, Kazinform, Tengrinews.kz, «Казинформ»).
_WORD_TAIL = r"(?:[\w\-]|\.(?=\w))*"  # a dot only inside a name (Tengrinews.kz)
_NAME = (
    r"(?:«[^»\n]{1,60}»|\"[^\"\n]{1,60}\""
    rf"|[{_UPPER}]{_WORD_TAIL}(?:\s+[{_UPPER}0-9]{_WORD_TAIL}){{0,3}})"
)
# A cited party: the rest of the clause (пресс-службу акимата Алматы).
_CLAUSE = r"[^.,;:!?\n«»\"]{2,100}?"
_END = r"(?=\s*(?:[.,;:!?\n]|$))"

# (word that must occur, pattern, group that relays, group that is cited); the cheap
# word test keeps the regular expressions off the many texts without attribution.
_PATTERNS: list[tuple[str, re.Pattern[str], str | None, str | None]] = [
    # ru: передает X со ссылкой на Y / передает X
    (
        "передает",
        re.compile(rf"передает\s+(?P<x>{_NAME}),?\s+со\s+ссылкой\s+на\s+(?P<y>{_CLAUSE}){_END}"),
        "x",
        "y",
    ),
    ("передает", re.compile(rf"передает\s+(?P<x>{_NAME})"), "x", None),
    ("пишет", re.compile(rf"пишет\s+(?P<x>{_NAME})"), "x", None),
    ("ссылкой", re.compile(rf"со\s+ссылкой\s+на\s+(?P<y>{_CLAUSE}){_END}"), None, "y"),
    # ru: сообщает пресс-служба акимата / сообщили в пресс-службе акимата
    (
        "пресс-служб",
        re.compile(
            rf"(?:сообщает|сообщают|сообщили|сообщила|рассказали)\s+(?:в\s+)?"
            rf"(?P<y>пресс-служб{_CLAUSE}){_END}",
            re.I,
        ),
        None,
        "y",
    ),
    # ru: по сообщению сайта X / по данным X / как сообщает X
    (
        "по ",
        re.compile(
            r"по\s+(?:сообщению|данным|информации)\s+"
            rf"(?P<y>(?:(?:сайта|портала|агентства|издания|пресс-службы)\s+)?(?:{_NAME}|{_CLAUSE})){_END}",
            re.I,
        ),
        None,
        "y",
    ),
    ("как сообщает", re.compile(rf"как\s+сообщает\s+(?P<y>{_NAME})", re.I), None, "y"),
    # kk: деп хабарлайды X [Y-ге сілтеме жасап]
    (
        "хабарлайды",
        re.compile(
            rf"деп\s+хабарлайды\s+(?P<x>{_NAME})(?:\s+(?P<y>{_CLAUSE})\s+сілтеме\s+жасап)?",
        ),
        "x",
        "y",
    ),
    ("сілтеме", re.compile(rf"(?P<y>{_CLAUSE})\s+сілтеме\s+жасап", re.I), None, "y"),
    # kk: X мәліметінше (according to X), at the start of a clause
    (
        "мәліметінше",
        re.compile(rf"(?:^|(?<=[.!?,;:\n])\s*)(?P<y>{_CLAUSE})\s+мәліметінше", re.I | re.M),
        None,
        "y",
    ),
    # en: reports X, citing Y / X reports, citing Y / according to Y
    (
        "citing",
        re.compile(rf"reports\s+(?P<x>{_NAME}),?\s+citing\s+(?P<y>{_CLAUSE}){_END}"),
        "x",
        "y",
    ),
    (
        "citing",
        re.compile(rf"(?P<x>{_NAME})\s+reports?,?\s+citing\s+(?P<y>{_CLAUSE}){_END}"),
        "x",
        "y",
    ),
    (
        "ing ",
        re.compile(rf"(?:according\s+to|citing)\s+(?P<y>{_CLAUSE}){_END}", re.I),
        None,
        "y",
    ),
]


@dataclass(frozen=True)
class Attribution:
    relayed_by: str | None = None  # the outlet that passes the news on
    cites: str | None = None  # whom it names as the source
    cites_source: str | None = None  # that source, when it is one of the project's

    def columns(self) -> dict[str, str | None]:
        return {
            "relayed_by": self.relayed_by,
            "cites": self.cites,
            "cites_source": self.cites_source,
        }


def source_named(text: str | None) -> str | None:
    """The project source ``text`` names (``akimat``, ``arnapress``), if any: the one
    whose spec's attribution pattern matches the longest stretch, so «акимат Тараза»
    goes to a Taraz source that names the city before a source saying only «акимат»."""
    if not text:
        return None
    best, longest = None, 0
    for spec in load_specs():
        for match in spec.attribution.finditer(text):
            if match.end() - match.start() > longest:
                best, longest = spec.name, match.end() - match.start()
    return best


def _clean(name: str | None) -> str | None:
    if not name:
        return None
    name = " ".join(name.split()).strip(" «»\"'")
    return name or None


def parse_attribution(text: str | None, source: str | None = None) -> Attribution:
    """Find who relays and whom they cite in ``text`` (title and body).

    ``source`` is the article's own outlet: naming oneself («Arna Press
    мәліметінше» on Arna Press) is not citing a source.
    """
    if not text:
        return Attribution()
    relayed_by = cites = None
    lowered = text.lower()
    for word, pattern, relay_group, cite_group in _PATTERNS:
        if word not in lowered:
            continue
        for match in pattern.finditer(text):
            relay = _clean(match.group(relay_group)) if relay_group else None
            cited = _clean(match.group(cite_group)) if cite_group else None
            if cited and source and source_named(cited) == source:
                cited = None
            if relay and relayed_by is None:
                relayed_by = relay
            if cited and cites is None:
                cites = cited
            if relay or cited:
                break
        if relayed_by and cites:
            break
    return Attribution(relayed_by, cites, source_named(cites))
