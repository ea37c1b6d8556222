"""``crawler mentions``: find crafts and World Craft City mentions in a text.

Example:
    echo "Алматы стал Всемирным городом ремёсел." | crawler mentions --json
"""

from __future__ import annotations

import json
import sys

import click

from crawler.mentions import default_detector

JSON_FIELDS = ("category", "term", "text", "start", "end", "snippet")


@click.command(name="mentions")
@click.argument("source", required=False, default="-", metavar="[FILE|-]")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of mentions.")
def command(source: str, as_json: bool) -> None:
    """Find mentions in a UTF-8 text read from FILE or standard input.

    Prints one line per mention: category, term, text as written and
    start-end offsets, separated by tabs; with --json a list of
    {category, term, text, start, end, snippet}.

    Example: crawler mentions article.txt --json
    """
    if source == "-":
        data = sys.stdin.buffer.read()
        name = "standard input"
    else:
        try:
            with open(source, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            raise click.BadParameter(f"no such file: {source}", param_hint="FILE") from None
        except IsADirectoryError:
            raise click.BadParameter(f"is a directory: {source}", param_hint="FILE") from None
        except PermissionError:
            raise click.BadParameter(f"cannot read: {source}", param_hint="FILE") from None
        name = source
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.UsageError(f"{name} is not UTF-8 text (byte {exc.start})") from None
    mentions = default_detector().find(text)
    if as_json:
        rows = [{key: getattr(m, key) for key in JSON_FIELDS} for m in mentions]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for m in mentions:
        click.echo(f"{m.category}\t{m.term}\t{m.text}\t{m.start}-{m.end}")
