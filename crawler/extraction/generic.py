"""The generic fallback: headline, date, author and main text of pages nobody described.

Body: the page is cleaned of chrome (navigation, headers, footers, sidebars, menus,
share/tag/related blocks, «Читайте также» lists, link-dense blocks), then every block
of running text scores its container by length; the best container (plus siblings
that score nearly as well) is the body.
"""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import pairwise

from lxml import etree
from parsel import Selector

from crawler.text.dates import find_date_text

from .text import BLOCK_TAGS, DROP_TAGS, element_text, paragraphs, squash, tag_of


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Whole elements that are never the article text.
CHROME_TAGS = _words("nav header footer aside form menu dialog h1")
_KEEP_TAGS = _words("html body main article")
_JUNK_WORDS = _words(
    """related sidebar share sharing social socials comment comments disqus tag tags
    taglist breadcrumb breadcrumbs crumbs readalso readmore seealso alsoread morenews
    subscribe subscription newsletter banner ad ads advert advertisement adv promo menu
    navbar nav navigation footer header widget widgets popular recommended recommend
    recommendations cookie cookies modal popup pagination pager rubrics meta caption
    credits toolbar search login lang langs language switcher most topnews"""
)
_JUNK_PAIRS = frozenset({("read", "also"), ("read", "more"), ("see", "also"), ("more", "news")})
_KEEP_WORDS = _words("content body text article story entry post main news")
_READ_ALSO_RE = re.compile(
    r"^\W*(?:читайте\s+также|читать\s+также|читайте\s+еще|читайте\s+ещё|смотрите\s+также"
    r"|см\.\s+также|ещё\s+по\s+теме|еще\s+по\s+теме|по\s+теме\s*(?:[:—-]|$)|похожие\s+(?:новости|материалы"
    r"|статьи|публикации)|другие\s+новости|последние\s+новости|новости\s+по\s+теме"
    r"|сондай[-\s]ақ\s+оқы|оқи\s+отырыңыз|тағы\s+оқыңыз|ұқсас\s+(?:жаңалықтар|материалдар)"
    r"|тақырып\s+бойынша|соңғы\s+жаңалықтар|read\s+(?:also|more)|see\s+also|related)",
    re.IGNORECASE,
)
_READ_ALSO_HOLDERS = (
    "p",
    "div",
    "section",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "strong",
    "b",
    "span",
    "em",
)
_BYLINE_PREFIX_RE = re.compile(r"^(?:автор(?:ы)?|author|by|авторы|авторлар)\s*[:\-—]?\s*", re.I)
_SUFFIX_RE = re.compile(r"^(.*\S)\s+(?:[—–|·:]|-{1,2})\s+([^—–|]{1,60})$")
_LOGO_RE = re.compile(r"logo|brand|site-?name|site-?title", re.I)


def strip_site_suffix(title: str | None, site: str | None = None) -> str | None:
    """'TITLE — Arna Press' -> 'TITLE' when the tail looks like a site name."""
    title = squash(title)
    if not title:
        return None
    m = _SUFFIX_RE.match(title)
    if m:
        head, tail = m.group(1), m.group(2).strip()
        if site and tail.lower() == squash(site).lower():
            return head
        if len(tail) <= 40 and len(tail.split()) <= 5 and len(head) > len(tail):
            return head
    return title


def is_suffixed_version(meta_title: str, headline: str) -> bool:
    """True for og:title 'HEADLINE — Site' against the page's own headline."""
    meta_title, headline = squash(meta_title), squash(headline)
    if not headline or meta_title == headline or not meta_title.startswith(headline):
        return False
    return bool(re.match(r"\s*(?:[—–|·:]|-{1,2})\s*\S", meta_title[len(headline) :]))


def _in_chrome(node: Selector) -> bool:
    return bool(node.xpath("ancestor::header|ancestor::nav|ancestor::footer|ancestor::aside"))


def fallback_title(sel: Selector, site: str | None = None) -> str | None:
    """The first h1 outside the site chrome, else the first heading, else <title>."""
    h1s = [(h, element_text(h.root)) for h in sel.xpath("//h1")[:50]]
    h1s = [(h, t) for h, t in h1s if t]
    for h, text in h1s:
        label = " ".join(h.xpath("@class|@id|../@class").getall())
        if not _in_chrome(h) and not _LOGO_RE.search(label):
            return text
    if h1s:
        return h1s[0][1]
    for level in ("h2", "h3"):
        for h in sel.xpath(f"//{level}")[:50]:
            text = element_text(h.root)
            if text and not _in_chrome(h) and not _READ_ALSO_RE.match(text):
                return text
    return strip_site_suffix(" ".join(sel.xpath("//title//text()").getall()), site)


def _visible_texts(root: etree._Element) -> tuple[list[str], int]:
    """Text nodes in reading order outside links and scripts, and the index of the
    first one after the headline (0 without an h1)."""
    texts: list[str] = []
    after_h1 = -1
    stack: list[tuple[etree._Element, bool, bool]] = [(root, False, False)]
    while stack and len(texts) < 20000:
        el, closing, in_link = stack.pop()
        tail = el.tail if el is not root else None
        tag = tag_of(el)
        if closing:
            if tag == "h1" and after_h1 < 0:
                after_h1 = len(texts)
        elif tag is not None and tag not in DROP_TAGS:
            inside = in_link or tag == "a"
            if el.text and el.text.strip() and not inside:
                texts.append(el.text)
            stack.append((el, True, in_link))
            stack.extend((child, False, inside) for child in reversed(el))
            continue
        if tail and tail.strip() and not in_link:
            texts.append(tail)
    return texts, max(after_h1, 0)


def fallback_date(sel: Selector) -> str | None:
    """<time datetime>, else the first date printed near (after, then before) the headline."""
    stamps = sel.xpath("(//h1)[1]/following::time/@datetime").getall()[:20]
    for stamp in stamps + sel.xpath("//time/@datetime").getall()[:20]:
        if find_date_text(stamp):
            return stamp.strip()
    texts, start = _visible_texts(sel.root)
    order = list(range(start, min(len(texts), start + 80)))
    order += list(range(start - 1, max(-1, start - 30), -1))
    order += [i for i in range(len(texts)) if i not in set(order)][:2000]
    for i in order:
        if not any(c.isdigit() for c in texts[i]):
            continue
        # a date and its time are often in two elements: «<span>25 ноября</span> <span>14:30</span>»
        found = find_date_text(squash(" ".join(texts[i : i + 2])))
        if found:
            return found
    return None


def fallback_author(sel: Selector) -> str | None:
    query = (
        "//*[@rel='author' or @itemprop='author' or contains(@class,'author')"
        " or contains(@class,'byline')]"
    )
    for node in sel.xpath(query)[:20]:
        if node.xpath("ancestor::aside|ancestor::footer"):
            continue
        name = _BYLINE_PREFIX_RE.sub("", element_text(node.root))
        if 2 <= len(name) <= 80 and not name.isdigit():
            return name
    return None


# ---- body --------------------------------------------------------------------------


def _labels(el: etree._Element) -> list[list[str]]:
    """Class names and id of an element as word lists (BEM: the part after '__')."""
    names = [*(el.get("class") or "").split(), el.get("id") or ""]
    words = []
    for name in names:
        name = name.lower().rsplit("__", 1)[-1]
        if not name or name.startswith(("has-", "with-", "no-", "is-")):
            continue
        words.append([w for w in re.split(r"[-_]+", name) if w])
    return words


def _is_junk(el: etree._Element) -> bool:
    junk = keep = False
    for words in _labels(el):
        if any(w in _JUNK_WORDS for w in words) or any(p in _JUNK_PAIRS for p in pairwise(words)):
            junk = True
        if any(w in _KEEP_WORDS for w in words) and not any(w in _JUNK_WORDS for w in words):
            keep = True
    return junk and not keep


def remove_element(el: etree._Element) -> None:
    """Remove an element, keeping its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + " " + el.tail
        else:
            parent.text = (parent.text or "") + " " + el.tail
    parent.remove(el)


def _nchars(text: str | None) -> int:
    return len("".join(text.split())) if text else 0


def _subtree_stats(root: etree._Element) -> tuple[dict, dict, list]:
    """Non-space characters and characters inside links, per element's whole subtree."""
    total: dict = defaultdict(int)
    links: dict = defaultdict(int)
    in_link: dict = {}
    elements = []
    for el in root.iter():
        parent = el.getparent() if el is not root else None
        if tag_of(el) is None:
            if parent is not None and el.tail:
                total[parent] += _nchars(el.tail)
                links[parent] += _nchars(el.tail) if in_link.get(parent) else 0
            continue
        elements.append(el)
        in_link[el] = tag_of(el) == "a" or in_link.get(parent, False)
        n = _nchars(el.text)
        total[el] += n
        links[el] += n if in_link[el] else 0
        if parent is not None and el.tail:
            n = _nchars(el.tail)
            total[parent] += n
            links[parent] += n if in_link.get(parent) else 0
    for el in reversed(elements):
        parent = el.getparent() if el is not root else None
        if parent is not None:
            total[parent] += total[el]
            links[parent] += links[el]
    return total, links, elements


def clean_for_body(root: etree._Element) -> None:
    """Strip chrome from ``root`` in place (``root`` itself always stays)."""
    for el in list(root.iter(*DROP_TAGS, *CHROME_TAGS)):
        if el is not root:
            remove_element(el)
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        remove_element(el)
    total, _, elements = _subtree_stats(root)
    page = max(total[root], 1)
    for el in elements:
        # A junk-looking wrapper holding much of the page is the layout, not a sidebar.
        if el is root or tag_of(el) in _KEEP_TAGS or total[el] >= 0.4 * page:
            continue
        if _is_junk(el):
            remove_element(el)
    total, links, _ = _subtree_stats(root)
    for el in list(root.iter(*_READ_ALSO_HOLDERS)):
        if el is root or el.getparent() is None or not _READ_ALSO_RE.match(_head_text(el)):
            continue
        tag = tag_of(el)
        if tag in ("div", "section") and links[el] < 0.3 * total[el]:
            continue  # a text block that merely starts with the words, not a link list
        following = el.getnext()
        if tag in ("strong", "b", "span", "em"):
            # «<strong>Читайте также:</strong> <a>…</a>» inside running text
            if following is not None and tag_of(following) == "a":
                remove_element(following)
        elif total[el] < 120 and links[el] == 0 and _is_link_list(following, total, links):
            remove_element(following)  # a bare «Читайте также» heading: its list goes with it
        remove_element(el)
    total, links, elements = _subtree_stats(root)
    for el in elements:
        if el is root or tag_of(el) not in ("ul", "ol", "div", "section", "p", "table", "li", "dl"):
            continue
        if total[el] and links[el] > 0.5 * total[el]:
            remove_element(el)


def _is_link_list(el: etree._Element | None, total: dict, links: dict) -> bool:
    if el is None:
        return False
    return tag_of(el) in ("ul", "ol") or links[el] >= 0.3 * total[el]


def _head_text(el: etree._Element, limit: int = 120) -> str:
    """The first ``limit`` characters of an element's text, without walking all of it."""
    parts, n = [], 0
    for piece in el.itertext():
        parts.append(piece)
        n += len(piece)
        if n >= limit:
            break
    return squash("".join(parts)[:limit])


def _block_scores(root: etree._Element) -> tuple[dict, dict, dict]:
    """Score containers by the running text of their blocks (inline text outside links)."""
    owner: dict = {}
    text_len: dict = defaultdict(int)
    link_len: dict = defaultdict(int)
    in_link: dict = {}
    for el in root.iter():
        tag = tag_of(el)
        if tag is None:
            continue
        parent = el.getparent() if el is not root else None
        owner[el] = el if tag in BLOCK_TAGS or parent is None else owner[parent]
        in_link[el] = tag == "a" or in_link.get(parent, False)
        n = _nchars(el.text)
        text_len[owner[el]] += n
        link_len[owner[el]] += n if in_link[el] else 0
        if parent is not None and el.tail:
            n = _nchars(el.tail)
            text_len[owner[parent]] += n
            link_len[owner[parent]] += n if in_link[parent] else 0
    score: dict = defaultdict(float)
    for block, n in text_len.items():
        content = n - link_len[block]
        if content < 25 or link_len[block] > 0.5 * n:
            continue
        tag = tag_of(block)
        parent = block.getparent() if block is not root else None
        if tag in ("p", "blockquote", "pre", "li", "h2", "h3", "h4", "h5", "h6", "dd", "td"):
            weight = 0.5 if tag == "li" else 1.0
            if parent is not None:
                score[parent] += weight * content
                grand = parent.getparent() if parent is not root else None
                if grand is not None:
                    score[grand] += 0.5 * weight * content
        else:  # text held directly by a div/section (<br>-separated paragraphs)
            score[block] += content
            if parent is not None:
                score[parent] += 0.5 * content
    return score, text_len, link_len


_CONTAINERS = _words("article main div section td body blockquote")


def body_nodes(root: etree._Element) -> list[etree._Element]:
    """The cleaned page's main text containers, in document order."""
    score, text_len, link_len = _block_scores(root)
    ranked = [el for el in score if tag_of(el) in _CONTAINERS]
    if not ranked:
        return []
    best = max(ranked, key=lambda el: score[el])
    parent = best.getparent()
    if parent is None:
        return [best]
    floor = max(0.2 * score[best], 40)
    chosen = []
    for sib in parent:
        if sib is best or (tag_of(sib) in _CONTAINERS and score.get(sib, 0) >= floor):
            chosen.append(sib)
        elif tag_of(sib) == "p":
            n = text_len.get(sib, 0)
            if n >= 80 and link_len.get(sib, 0) < 0.25 * n:
                chosen.append(sib)
    return chosen


def body_text(nodes: list[etree._Element], title: str | None = None) -> str | None:
    """Paragraphs of the chosen nodes without headline, date-only and «read also» lines."""
    title_key = squash(title).lower() if title else None
    out: list[str] = []
    for node in nodes:
        for para in paragraphs(node):
            if title_key and para.lower() == title_key:
                continue
            if _READ_ALSO_RE.match(para) and len(para) < 200:
                continue
            if len(para) < 60:
                found = find_date_text(para)
                if found and len(found) >= 0.5 * len(para):
                    continue
            if para not in out[-1:]:
                out.append(para)
    return "\n\n".join(out) or None


def fallback_body(root: etree._Element, title: str | None = None) -> str | None:
    """Main text of a whole page (cleans the tree in place)."""
    clean_for_body(root)
    return body_text(body_nodes(root), title)
