"""A batch as Telegram messages: Telegram's HTML subset, split below its limit.

Pure functions, like the email renderer. Telegram accepts only a few tags
(``<b>``, ``<i>``, ``<a href>``, ``<code>`` …) and at most 4 096 characters a
message, so the batch becomes blocks (the heading, one block per story, the
"and N more" line, the crawl problems) and the blocks are packed into parts
that end at a block's end: no tag and no story is ever cut in two. Every part
knows which outbox rows it carries, so each part is sent, and retried, on its
own.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from crawler.alerts.render import (
    CATEGORY_NAMES,
    Batch,
    StoryEntry,
    highlight_parts,
    local_time,
)
from crawler.sources.spec import source_label
from crawler.text.dates import ALMATY

# Telegram counts UTF-16 code units; a part stays strictly below the limit.
LIMIT = 4096
# Between blocks: a line holding one space reads as an empty line, and survives
# Apprise, which merges runs of line breaks into one.
GAP = "\n \n"
# A story block too long for half a part is built again with less: (snippet
# characters, other outlets) at each step, then the title alone.
_SHRINK_STEPS = ((400, 6), (200, 3), (80, 1), (0, 0))


@dataclass(frozen=True)
class Part:
    text: str  # Telegram HTML
    alert_ids: tuple[int, ...]  # the outbox rows this part carries


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    """Text for Telegram HTML: ``<``, ``>`` and ``&`` escaped, control characters
    (but line breaks) made spaces."""
    clean = "".join(
        c if c == "\n" or unicodedata.category(c) not in ("Cc", "Cf") else " " for c in text
    )
    return html.escape(clean, quote=False)


def link(url: str, label: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{esc(label)}</a>'


def render_parts(batch: Batch, now: datetime, limit: int = LIMIT) -> list[Part]:
    """The batch as Telegram parts, each below ``limit`` characters."""
    blocks: list[tuple[str, tuple[int, ...]]] = [(_heading(batch, now), ())]
    for number, story in enumerate(batch.stories, 1):
        block = _story_block(story, number, limit)
        if number == len(batch.stories) and batch.more:
            block += GAP + _more_block(batch)  # "and N more" never stands alone
        blocks.append((block, story.alert_ids))
    for entry, block in zip(batch.health, _health_blocks(batch), strict=True):
        blocks.append((block, () if entry.alert_id is None else (entry.alert_id,)))
    parts = _pack(blocks, limit)
    # Rows no block names (the unlisted stories, the quiet-start notice)
    # travel with the last part, which mentions them.
    named = {i for part in parts[:-1] for i in part.alert_ids}
    rest = tuple(i for i in batch.alert_ids if i not in named)
    return [*parts[:-1], Part(parts[-1].text, rest)]


def _pack(blocks: list[tuple[str, tuple[int, ...]]], limit: int) -> list[Part]:
    parts: list[Part] = []
    text, ids = "", ()
    for block, block_ids in blocks:
        joined = f"{text}{GAP}{block}" if text else block
        if text and tg_len(joined) >= limit:
            parts.append(Part(text, ids))
            text, ids = block, block_ids
        else:
            text, ids = joined, ids + block_ids
    parts.append(Part(text, ids))
    return parts


def _heading(batch: Batch, now: datetime) -> str:
    lines = []
    if batch.test:
        lines.append("<b>Проверка канала</b>")
        lines.append("Это проверочное сообщение: уведомления об упоминаниях ремёсел сюда доходят.")
    if batch.backlog is not None:
        lines.append("<b>Уведомления об упоминаниях ремёсел подключены</b>")
        where = link(batch.browse_url, "все они в базе") if batch.browse_url else "они есть в базе"
        lines.append(
            f"В архиве уже есть истории с упоминаниями: {batch.backlog}. "
            f"По одной они приходить не будут, {where}. Дальше придут только новые."
        )
    if batch.stories:
        if batch.mode == "daily":
            today = now.astimezone(ALMATY).strftime("%d.%m.%Y")
            lines.append(f"<b>Дайджест упоминаний ремёсел за {today}</b> — историй: {batch.total}")
        else:
            lines.append(f"<b>Упоминания ремёсел</b> — историй: {batch.total}")
    if not lines and batch.health:
        lines.append("<b>Проблемы со сбором новостей</b>")
    return "\n".join(lines)


def _story_block(story: StoryEntry, number: int, limit: int) -> str:
    for snippet_len, outlets in _SHRINK_STEPS:
        block = _story_text(story, number, snippet_len, outlets)
        if tg_len(block) < limit // 2:
            return block
    return f"<b>{number}. {esc(story.title[:200])}</b>"


def _story_text(story: StoryEntry, number: int, snippet_len: int, outlets: int) -> str:
    source = source_label(story.source)
    topics = ", ".join(CATEGORY_NAMES.get(c, c) for c in story.categories)
    lines = [
        f"<b>{number}. {esc(story.title)}</b>",
        f"{esc(source)} · {esc(story.lang)} · {esc(local_time(story.published_at))}",
    ]
    if topics:
        lines.append(f"<i>{esc(topics)}</i>")
    if snippet_len and story.snippet:
        lines.append(f"«{_snippet(story.snippet[:snippet_len], story.highlight)}»")
    links = [link(story.url, "Читать")] if story.url else []
    if story.article_datasette_url:
        links.append(link(story.article_datasette_url, "Статья в базе"))
    if story.datasette_url:
        links.append(link(story.datasette_url, "История в базе"))
    if links:
        lines.append(" · ".join(links))
    if story.other_outlets and outlets:
        also = ", ".join(
            link(o.url, f"{source_label(o.source)} ({o.lang})")
            for o in story.other_outlets[:outlets]
        )
        lines.append(f"Также в: {also}")
    return "\n".join(lines)


def _snippet(snippet: str, needle: str) -> str:
    return "".join(
        f"<b>{esc(text)}</b>" if hit else esc(text)
        for text, hit in highlight_parts(snippet, needle)
    )


def _more_block(batch: Batch) -> str:
    if batch.browse_url:
        return f"…и ещё {batch.more}: {link(batch.browse_url, 'все упоминания')}"
    return f"…и ещё {batch.more} (в базе: <code>crawler serve</code>)"


def _health_blocks(batch: Batch) -> list[str]:
    """One block per notice (a long list of problems splits between notices);
    the first carries the heading when the message is about more than that."""
    blocks = []
    for h in batch.health:
        source = source_label(h.source)
        when = local_time(h.noticed_at)
        blocks.append(f"• <b>{esc(source[:80])}</b> ({esc(when)}): {esc(h.reason[:300])}")
    if blocks and (batch.stories or batch.backlog is not None or batch.test):
        blocks[0] = f"<b>Проблемы со сбором новостей</b>\n{blocks[0]}"
    return blocks
