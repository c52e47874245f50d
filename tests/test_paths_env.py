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
