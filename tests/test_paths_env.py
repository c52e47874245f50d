"""Environment settings that point nowhere are one line, not a silent fallback (issue 12)."""

from __future__ import annotations

from click.testing import CliRunner

from stress.cli import cli


def _run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


def test_missing_config_dir_is_named(tmp_path):
    missing = tmp_path / "nope"
    r = _run("--offline", "events", "list", env={"STRESS_CONFIG_DIR": str(missing)})
    assert r.exit_code == 2
    assert r.stderr.strip() == f"error: STRESS_CONFIG_DIR={missing}: no such folder"


def test_config_dir_that_is_a_file_is_named(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    r = _run("--offline", "events", "list", env={"STRESS_CONFIG_DIR": str(f)})
    assert r.exit_code == 2 and "not a folder" in r.stderr


def test_empty_home_is_refused(tmp_path):
    r = _run("--home", "", "prices", "list")
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == ["error: --home '': empty path; name the data directory or leave the option out"]


def test_home_under_a_file_is_one_line_exit_1(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    r = _run("prices", "list", env={"STRESS_HOME": str(f / "home")})
    assert r.exit_code == 1
    assert r.stderr.strip() == (f"error: {f / 'home'}: cannot create the data directory (STRESS_HOME): "
                                "a file is in the way")


def test_report_reverse_above_one_is_accepted_like_run(tmp_path):
    """`run --reverse 1.5` is accepted (a book with shorts can lose more than its NAV);
    `report` refused it. With an empty store the error is now about prices, not --reverse."""
    r = _run("--offline", "report", "deepseek-r1", "--group", "ai_power", "--reverse", "1.5",
             "--out", str(tmp_path / "r.pdf"))
    assert "--reverse" not in r.stderr and "no prices" in r.stderr
    r = _run("--offline", "report", "deepseek-r1", "--reverse", "0", "--out", str(tmp_path / "r.pdf"))
    assert r.exit_code == 2 and "--reverse" in r.stderr


def test_rows_off_the_market_calendar_are_named_with_ticker_and_date():
    """Issue 12: weekend rows were dropped with a message naming neither."""
    import numpy as np
    import pandas as pd

    from stress.data.provider import off_session_rows

    idx = pd.to_datetime(["2025-01-04", "2025-01-05"])
    rows = pd.DataFrame({"VST": [1.0, np.nan], "CEG": [2.0, 3.0]}, index=idx)
    assert off_session_rows(rows) == "VST 2025-01-04, CEG 2025-01-04, CEG 2025-01-05"
    assert off_session_rows(rows, cap=1) == "VST 2025-01-04 and 2 more"


def test_pdf_findings_carry_the_small_sample_caution():
    import pandas as pd

    from stress.report.words import _significance

    r = pd.Series({"n": 2, "bmp_stat": -2109.1, "bmp_p": 0.0003, "patell_stat": -4.7, "patell_p": 0.0,
                   "kp_stat": -826.7, "kp_p": 0.0008, "crude_stat": -3.6, "crude_p": 0.0004, "r": 0.73})
    assert "Caution, small sample: N = 2 < 5 assets" in _significance(r)
    assert "small sample" not in _significance(r.copy().replace({2: 6}))
