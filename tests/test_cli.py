"""The command line as users meet it: help, usage errors, exit codes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from crawler.cli import COMMAND_MODULES, main
from tests.helpers import run_cli


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()
    for name in COMMAND_MODULES:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert "Example:" in result.output, name


@pytest.mark.parametrize(
    ("args", "env", "reason"),
    [
        (["crawl", "--sources", "nosuch"], {}, "unknown source nosuch"),
        (["crawl", "-s", "NOEQUALS"], {}, "expected NAME=VALUE"),
        (["run", "-s", "DOWNLOAD_DELAY=soon"], {}, "DOWNLOAD_DELAY must be a non-negative number"),
        (["crawl"], {"CRAWLER_AKIMAT_URL": "gov.kz"}, "CRAWLER_AKIMAT_URL must be an http(s) URL"),
        (["extract", "/no/such/page.html"], {}, "no such file or URL"),
        (["demo", "--articles", "0"], {}, "--articles"),
        (["nosuchcommand"], {}, "No such command"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, env, reason, tmp_path) -> None:
    result = (
        run_cli(*args, "--db", str(tmp_path / "x.db"), env=env)
        if args[0]
        in (
            "crawl",
            "run",
        )
        else run_cli(*args, env=env)
    )
    assert result.returncode == 2, result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(error_lines) == 1, result.stderr
    assert reason in error_lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()  # nothing was started
