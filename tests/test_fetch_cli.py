"""`stress prices fetch` as a user runs it, with yfinance talking to a fake Yahoo
(the transport of tests/test_yahoo.py) injected through stress.data.yahoo.SESSION_FACTORY."""

from __future__ import annotations

import json

from click.testing import CliRunner
from test_yahoo import csv_rows, yahoo  # noqa: F401  (yahoo is a fixture)

from stress.cli import cli


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def daily_close_summary(sample_dir, ticker):
    """[ticker, new=0, rows, first, last] from daily-close/TICKER.csv, read independently."""
    days = [ln.split(",")[0] for ln in (sample_dir / "daily-close" / f"{ticker}.csv").read_text().split()[1:]]
    return [ticker, "0", str(len(days)), min(days), max(days)]


def one_line_error(res, code):
    assert res.exit_code == code, res.output
    assert res.stderr.startswith("error: ") and res.stderr.strip().count("\n") == 0, res.stderr
    assert "Traceback" not in res.output


def test_fetch_then_show_gives_yahoos_closes(yahoo, sample_dir):
    res = run("prices", "fetch", "VST", "CEG", "--start", "2025-01-02", "--end", "2025-01-31")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["ticker", "new", "rows", "first", "last", "source", "fetched_at"]
    assert [ln.split()[:6] for ln in lines[1:]] == [
        ["VST", "20", "20", "2025-01-02", "2025-01-31", "yahoo"],
        ["CEG", "20", "20", "2025-01-02", "2025-01-31", "yahoo"],
    ]
    res = run("--offline", "prices", "show", "VST", "--start", "2025-01-24", "--end", "2025-01-28", "--json")
    got = json.loads(res.stdout)["prices"]
    want = csv_rows(sample_dir, "VST", "2025-01-24", "2025-01-28")
    assert [(p["date"], p["close"]) for p in got] == [(r["Date"], float(r["Close"])) for r in want]

    yahoo.log.clear()  # a second run asks only for what is missing: nothing
    res = run("prices", "fetch", "VST", "CEG", "--start", "2025-01-02", "--end", "2025-01-31")
    assert res.exit_code == 0 and yahoo.log == []
    assert [ln.split()[1] for ln in res.stdout.splitlines()[1:]] == ["0", "0"]


def test_offline_fetch_on_empty_store_is_one_clear_line(yahoo):
    res = run("--offline", "prices", "fetch", "VST")
    one_line_error(res, 1)
    assert "VST" in res.stderr and "stress prices import" in res.stderr
    assert yahoo.log == []
    res = run("prices", "fetch", "VST", "CEG", env={"STRESS_OFFLINE": "1"})
    one_line_error(res, 1)
    assert "VST CEG" in res.stderr and yahoo.log == []


def test_offline_fetch_with_data_shows_the_store(yahoo, sample_home, sample_dir):
    res = run("prices", "fetch", "VST", "SPY", env={"STRESS_OFFLINE": "1"})
    assert res.exit_code == 0, res.output
    assert "warning: offline" in res.stderr and yahoo.log == []
    rows = [ln.split() for ln in res.stdout.splitlines()[1:]]
    assert [r[:5] for r in rows] == [daily_close_summary(sample_dir, "VST"),
                                     daily_close_summary(sample_dir, "SPY")]


def test_network_down_with_data_warns_and_uses_the_store(yahoo, sample_home, sample_dir):
    yahoo.down = True
    res = run("prices", "fetch", "VST", "--start", "2026-08-01", "--end", "2026-08-14")
    assert res.exit_code == 0, res.output
    assert "cannot reach Yahoo Finance" in res.stderr
    assert "using the prices already in the store" in res.stderr
    assert res.stdout.splitlines()[1].split()[:5] == daily_close_summary(sample_dir, "VST")
    assert yahoo.log  # it did try the network


def test_network_down_without_data_is_one_clear_line(yahoo):
    yahoo.down = True
    res = run("prices", "fetch", "VST", "NRG")
    one_line_error(res, 1)
    for word in ("cannot reach Yahoo Finance", "VST NRG", "stress prices import"):
        assert word in res.stderr


def test_unknown_ticker_fails_the_command_after_storing_the_others(yahoo):
    res = run("prices", "fetch", "VST", "NOPE", "--start", "2025-01-02", "--end", "2025-01-10")
    assert res.exit_code == 1
    assert res.stdout.splitlines()[1].split()[:2] == ["VST", "6"]
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "NOPE" in err[0]
    assert "Yahoo Finance does not know this symbol" in err[0]  # Yahoo answered 404


def test_bad_inputs_exit_2_in_one_line(yahoo):
    one_line_error(run("prices", "fetch", "VST", "--start", "2025-13-01"), 2)
    one_line_error(run("prices", "fetch", "V ST"), 2)
    one_line_error(run("prices", "fetch", "VST", "--start", "2025-02-01", "--end", "2025-01-01"), 2)
    assert yahoo.log == []


def test_progress_is_reported_through_a_callback_never_printed(yahoo, capsys, tmp_path):
    from stress.data.fetch import fetch_command
    from stress.data.store import PriceStore

    with PriceStore(tmp_path / "p.sqlite") as store:
        fetch_command(store, ["VST", "CEG"], "2025-01-02", "2025-01-10")
        assert capsys.readouterr().err == ""
        seen = []
        report = fetch_command(store, ["NRG", "XLU"], "2025-01-02", "2025-01-10",
                               on_progress=lambda done, total: seen.append((done, total)))
        out = capsys.readouterr()
        assert out.err == "" and out.out == ""  # the library prints nothing; the CLI draws
        assert seen and seen[-1] == (2, 2)
        assert [r["new"] for r in report.rows] == [6, 6]
