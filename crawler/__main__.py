"""``python -m crawler`` is the ``crawler`` program."""

from crawler.cli import main

main(prog_name="crawler")
