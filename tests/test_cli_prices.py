"""`stress prices` on the CLI, as a user runs it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from stress.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_import_then_show_json_prints_exact_csv_closes(sample_dir):
    res = run("prices", "import", str(sample_dir / "daily-close" / "VST.csv"))
    assert res.exit_code == 0, res.output
    res = run("--offline", "prices", "show", "VST", "--start", "2025-01-24", "--end", "2025-01-28", "--json")
    assert res.exit_code == 0
    got = json.loads(res.stdout)
    lines = (sample_dir / "daily-close" / "VST.csv").read_text().splitlines()
    want = [
        {"date": d, "close": float(c)}
        for d, c in (line.split(",") for line in lines[1:])
        if "2025-01-24" <= d <= "2025-01-28"
    ]
    assert got == {"ticker": "VST", "prices": want}
    assert [p["date"] for p in want] == ["2025-01-24", "2025-01-27", "2025-01-28"]


def test_show_unknown_ticker_is_one_line_exit_1():
    res = run("--offline", "prices", "show", "NOPE")
    assert res.exit_code == 1
    assert res.stderr.strip().count("\n") == 0
    assert "NOPE" in res.stderr and "stress prices import" in res.stderr
    assert "Traceback" not in res.output + res.stderr


def test_list_on_empty_store_says_so():
    res = run("prices", "list")
    assert res.exit_code == 0
    assert "empty" in res.stderr
