"""The README documents every command, with help pasted by the tool, and the
source table lists every spider."""

from __future__ import annotations

import re

from crawler.cli import COMMAND_MODULES
from crawler.runner import available_sources
from tests.helpers import ROOT
from tools.readme_help import README, updated

TEXT = README.read_text()


def test_command_help_in_the_readme_is_current() -> None:
    assert updated(TEXT) == TEXT, "run: python tools/readme_help.py"


def test_every_command_has_a_section() -> None:
    for name in COMMAND_MODULES:
        assert f"### crawler {name}" in TEXT


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
