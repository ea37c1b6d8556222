"""Latin slugs for article paths, transliterated from Russian and Kazakh titles."""

from __future__ import annotations

import re

_TRANSLIT = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "й": "y", "к": "k", "қ": "k", "л": "l", "м": "m",
    "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip


def slugify(title: str, max_words: int = 6, max_len: int = 60) -> str:
    """``"Алматы получила статус…"`` -> ``"almaty-poluchila-status…"``."""
    latin = "".join(_TRANSLIT.get(ch, ch) for ch in title.lower())
    words = re.findall(r"[a-z0-9]+", latin)[:max_words]
    return "-".join(words)[:max_len].strip("-") or "news"
