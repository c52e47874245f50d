"""`stress prices` on the CLI, as a user runs it."""

from __future__ import annotations

import json

import pytest
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


def test_show_rejects_malformed_dates_with_exit_2(sample_dir):
    """A date the store's ISO string comparison would misread (2025-1-24) or garbage is
    bad input, not an empty result; so is a start after the end."""
    run("prices", "import", str(sample_dir / "daily-close" / "VST.csv"))
    for args, text in [
        (["--start", "2025-1-24"], "--start '2025-1-24': not a date"),
        (["--end", "notadate"], "--end 'notadate': not a date"),
        (["--start", "2025-02-01", "--end", "2025-01-01"], "--start 2025-02-01 is after --end 2025-01-01"),
    ]:
        res = run("--offline", "prices", "show", "VST", *args)
        assert res.exit_code == 2, (args, res.output)
        assert text in res.stderr and res.stderr.strip().count("\n") == 0


@pytest.mark.parametrize(
    "args, text",
    [
        (["--bogus"], "No such option '--bogus'"),
        (["nosuchcommand"], "No such command 'nosuchcommand'"),
        (["event-study"], "Missing argument 'EVENT'"),
        (["event-study", "deepseek-r1", "VST", "--model", "foo"], "Invalid value for '--model'"),
        (["run", "no-such-book.csv"], "does not exist"),
        (["run", "x.csv", "--reverse", "abc"], "'abc' is not a valid float"),
        (["prices", "fetch"], "name at least one TICKER"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args, text):
    res = run("--offline", *args)
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], res.stderr
    assert "--help" in lines[0]


def test_bare_command_still_prints_help():
    res = run()
    assert "Usage:" in res.output and "Commands:" in res.output


def test_write_frames_writes_each_frame_and_fails_in_one_line(tmp_path):
    import pandas as pd

    from stress.tables_out import write_frames
    from stress.errors import EnvironmentFault

    a = pd.DataFrame({"x": [1.5, 2.0]}, index=pd.Index(["VST", "DUK"], name="ticker"))
    b = pd.DataFrame({"y": ["p", "q"]})
    paths = write_frames(tmp_path / "new" / "dir", {"b": b, "a": a}, index=("a",))
    assert [p.name for p in paths] == ["b.csv", "a.csv"]
    assert paths[1].read_text().splitlines() == ["ticker,x", "VST,1.5", "DUK,2.0"]
    assert paths[0].read_text().splitlines() == ["y", "p", "q"]
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(EnvironmentFault, match=r"file/sub: cannot create the folder: a file is in the way"):
        write_frames(blocker / "sub", {"b": b})
