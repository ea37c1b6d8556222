"""What the probe of one source found, as text for a maintainer or as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.doctor.fetch import Answer

SAMPLE_FIELDS = ("title", "published_at", "lang", "author", "url")


@dataclass
class SourceReport:
    source: str
    base_url: str
    answers: list[Answer] = field(default_factory=list)
    sample: dict[str, Any] | None = None  # fields of one extracted article
    layers: dict[str, str] = field(
        default_factory=dict
    )  # field -> api/jsonld/meta/selector/fallback
    mentions: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what to change, one line each
    notes: list[str] = field(default_factory=list)  # worth knowing, not blocking
    stores_nothing: bool = False
    verdict: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "base_url": self.base_url,
            "requests": [a.as_json() for a in self.answers],
            "sample": self.sample,
            "layers": self.layers,
            "mentions": self.mentions,
            "problems": self.problems,
            "notes": self.notes,
            "stores_nothing": self.stores_nothing,
            "verdict": self.verdict,
        }


def render_text(report: SourceReport) -> str:
    lines = [f"{report.source} ({report.base_url})"]
    lines += [f"  {answer.line()}" for answer in report.answers]
    if report.sample:
        sample = report.sample
        body = sample.get("body") or ""
        lines.append("  sample article:")
        for name in SAMPLE_FIELDS:
            layer = report.layers.get(name)
            shown = sample.get(name) or "—"
            lines.append(f"    {name}: {shown}" + (f"  [{layer}]" if layer else ""))
        body_layer = report.layers.get("body")
        lines.append(
            f"    body: {len(body)} characters" + (f"  [{body_layer}]" if body_layer else "")
        )
        if report.mentions:
            found = ", ".join(f"{m['category']} «{m['text']}»" for m in report.mentions[:8])
            lines.append(f"    mentions: {found}")
        else:
            lines.append("    mentions: none in this article")
    lines += [f"  note: {note}" for note in report.notes]
    lines += [f"  to fix: {problem}" for problem in report.problems]
    lines.append(f"  verdict: {report.verdict}")
    return "\n".join(lines)
