"""``crawler mentions``: find crafts and World Craft City mentions in a text.

Example:
    echo "Алматы стал Всемирным городом ремёсел." | crawler mentions --json
    echo 'Фестиваль «Город мастеров» открылся.' | crawler mentions --explain
"""

from __future__ import annotations

import json
import sys

import click

from crawler.text.mentions import default_detector
from crawler.text.scripts import repair_mixed_scripts

JSON_FIELDS = ("category", "term", "text", "start", "end", "snippet")


@click.command(name="mentions")
@click.argument("source", required=False, default="-", metavar="[FILE|-]")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option(
    "--explain",
    is_flag=True,
    help="Print every candidate, kept or rejected, with the lexicon rule, context "
    "and exclusion that decided it.",
)
def command(source: str, as_json: bool, explain: bool) -> None:
    """Find mentions in a UTF-8 text read from FILE or standard input.

    Prints one line per mention: category, term, text as written and
    start-end offsets, separated by tabs; with --json a list of
    {category, term, text, start, end, snippet}.

    With --explain, one line per candidate (a place where all words of a
    term were found): the outcome, category, term, text, offsets and why.
    Outcomes: kept (reported), excluded (an [[exclude]] block of the
    lexicon hid it), no_context (none of the words its `context` lists
    was near), overlapped (a longer term won). Reasons name the lexicon
    block ("rule world_craft_city.terms[4] (город ремесленников)"), the
    context word found ("context ru_status=статус") or missed, and the
    exclusion with the word that made it apply ("exclusion
    world_craft_city.exclude[1] (город мастеров) near ru_event=фестиваль").
    With --explain --json, a list of {outcome, category, term, text, start,
    end, rule, context, exclusion, by}.

    A word typed in two alphabets («Kиiз», Latin K and i) is read in one,
    as the crawler reads articles; offsets are those of the input.

    Example: crawler mentions article.txt --json

    \b
    Example of --explain:
      echo 'Фестиваль «Город мастеров» прошёл в Таразе.' | crawler mentions --explain
      excluded  world_craft_city  город ремесленников  Город мастеров  11-25
        rule world_craft_city.terms[4] (город ремесленников);
        exclusion world_craft_city.exclude[1] (город мастеров) near ru_event=фестиваль
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
    # Words typed in two alphabets are read as the crawler reads them; offsets stay.
    text = repair_mixed_scripts(text)
    if explain:
        decisions = default_detector().explain(text)
        if as_json:
            click.echo(json.dumps([d.as_dict() for d in decisions], ensure_ascii=False, indent=2))
        else:
            for decision in decisions:
                click.echo(decision.line())
        return
    mentions = default_detector().find(text)
    if as_json:
        rows = [{key: getattr(m, key) for key in JSON_FIELDS} for m in mentions]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for m in mentions:
        click.echo(f"{m.category}\t{m.term}\t{m.text}\t{m.start}-{m.end}")
