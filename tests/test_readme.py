"""The README is a first read that lists every spider; docs/cli.md documents every
command with help pasted by the tool; every link between the docs resolves."""

from __future__ import annotations

import re

from crawler.cli import COMMAND_MODULES
from crawler.run.runner import available_sources
from tests.helpers import ROOT
from tools.readme_help import CLI_DOC, README, updated

TEXT = README.read_text()
CLI = CLI_DOC.read_text()
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_command_help_in_the_docs_is_current() -> None:
    assert updated(CLI) == CLI, "run: python tools/readme_help.py"


def test_every_command_has_a_section() -> None:
    for name in COMMAND_MODULES:
        assert f"### crawler {name}" in CLI


def test_readme_is_a_first_read() -> None:
    assert len(TEXT.splitlines()) <= 300


def anchors(path) -> set[str]:
    """GitHub-style anchors of a Markdown file's headings."""
    found = set()
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def test_every_link_between_the_docs_resolves() -> None:
    checked = 0
    for doc in DOCS:
        for target in LINK.findall(doc.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            path, _, anchor = target.partition("#")
            resolved = (doc.parent / path).resolve() if path else doc
            assert resolved.exists(), f"{doc.name}: {target}"
            if anchor and resolved.suffix == ".md":
                assert anchor in anchors(resolved), f"{doc.name}: {target}"
            checked += 1
    assert checked >= 10


def test_every_doc_page_is_linked_from_the_readme() -> None:
    for page in (ROOT / "docs").glob("*.md"):
        assert f"(docs/{page.name})" in TEXT, page.name


def test_the_first_two_commands_set_up_the_demo_and_the_tests() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", TEXT, re.S)
    assert "crawler demo" in blocks[0]
    assert "pytest" in blocks[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "-m pytest" in ci


def test_supported_sources_table_lists_every_spider() -> None:
    table = TEXT.split("## Supported sources", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `(\w+)` \|", table, re.M))
    assert listed == set(available_sources())
