"""Why each candidate was reported or not: what ``crawler mentions --explain`` prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# Outcomes of a candidate (a place where a term's words were all found).
KEPT = "kept"
EXCLUDED = "excluded"  # hidden by an exclusion (a look-alike)
NO_CONTEXT = "no_context"  # its context rule found none of its words nearby
OVERLAPPED = "overlapped"  # a longer term (or a more specific category) won


@dataclass(frozen=True)
class Decision:
    """One candidate and what decided it."""

    outcome: str  # kept | excluded | no_context | overlapped
    category: str
    term: str
    text: str  # as written in the input
    start: int
    end: int
    rule: str  # the lexicon block of the term, e.g. "crafts.terms[3] (войлок)"
    context: str | None = None  # "list=word" that satisfied (or the lists that were missing)
    exclusion: str | None = None  # the exclusion block that hid it (with its near word)
    by: str | None = None  # overlapped: the term that won

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        """One tab-separated line: outcome, category, term, text, offsets, reasons."""
        reasons = [f"rule {self.rule}"]
        if self.context:
            reasons.append(f"context {self.context}")
        if self.exclusion:
            reasons.append(f"exclusion {self.exclusion}")
        if self.by:
            reasons.append(f"by {self.by}")
        return "\t".join(
            [
                self.outcome,
                self.category,
                self.term,
                self.text,
                f"{self.start}-{self.end}",
                "; ".join(reasons),
            ]
        )
