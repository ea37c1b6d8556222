"""Paste every command's ``--help`` into docs/cli.md between the help markers.

python tools/readme_help.py          # rewrite the section
python tools/readme_help.py --check  # exit 1 if docs/cli.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.cli import COMMAND_MODULES, main  # noqa: E402

README = ROOT / "README.md"
CLI_DOC = ROOT / "docs" / "cli.md"
START, END = "<!-- help:start -->", "<!-- help:end -->"


def help_section() -> str:
    runner = CliRunner()
    parts = [START]
    for name in COMMAND_MODULES:
        result = runner.invoke(main, [name, "--help"], prog_name="crawler", terminal_width=88)
        parts += [f"### crawler {name}", "", "```", result.output.rstrip(), "```", ""]
    parts.append(END)
    return "\n".join(parts)


def updated(text: str) -> str:
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return before + help_section() + after


def main_() -> int:
    text = CLI_DOC.read_text()
    new = updated(text)
    if "--check" in sys.argv:
        if new != text:
            print("docs/cli.md command help is out of date: run python tools/readme_help.py")
            return 1
        return 0
    CLI_DOC.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main_())
