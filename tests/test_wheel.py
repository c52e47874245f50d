"""The package as a user installs it: a wheel built from the checkout, installed (without
the checkout on the path) and run from another folder: `stress events list` and an offline
event study read the configs the wheel ships."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.sample_data]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """site-packages of a --prefix install of the wheel built from the checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT),
                    "-w", str(tmp / "dist")], check=True, capture_output=True)
    wheel = next((tmp / "dist").glob("stress-*.whl"))
    prefix = tmp / "prefix"
    # --ignore-installed: never uninstall the stress the running environment has
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--ignore-installed",
                    "--prefix", str(prefix), str(wheel)], check=True, capture_output=True)
    site = next(prefix.glob("lib/python*/site-packages"))
    assert (prefix / "share/stress/configs/events.yaml").is_file()
    return site


def _stress(site: Path, cwd: Path, *args: str, home: Path | None = None):
    env = {k: v for k, v in os.environ.items() if k not in ("STRESS_CONFIG_DIR",)}
    env["PYTHONPATH"] = str(site)
    if home is not None:
        env["STRESS_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "stress", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_wheel_runs_from_any_folder(installed, tmp_path, sample_store_path):
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    where = _stress(installed, elsewhere, "--version")
    assert where.returncode == 0, where.stderr
    probe = subprocess.run([sys.executable, "-c", "import stress, stress.paths as p; "
                            "print(stress.__file__); print(p.config_dir())"],
                           cwd=elsewhere, env={**os.environ, "PYTHONPATH": str(installed)},
                           capture_output=True, text=True)
    module, configs = probe.stdout.split()
    assert module.startswith(str(installed)) and "share/stress/configs" in configs
    listed = _stress(installed, elsewhere, "events", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    ids = [e["id"] for e in json.loads(listed.stdout)["events"]]
    assert "deepseek-r1" in ids
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(sample_store_path, home / "prices.sqlite")
    study = _stress(installed, elsewhere, "--offline", "event-study", "deepseek-r1", "VST",
                    "--placebo", "0", "--json", home=home)
    assert study.returncode == 0, study.stderr
    vst = json.loads(study.stdout)["assets"][0]
    assert vst["ticker"] == "VST" and vst["return_day0"] == pytest.approx(-0.2827, abs=5e-4)


def test_user_configs_override_the_shipped_ones(installed, tmp_path):
    """./configs/events.yaml in the working folder replaces the shipped catalogue; the
    other files still come from the wheel."""
    work = tmp_path / "work"
    (work / "configs").mkdir(parents=True)
    (work / "configs" / "events.yaml").write_text(
        "events:\n  - id: my-event\n    date: 2025-03-03\n    direction: down\n    kind: test\n"
        "    title: Mine\n    description: a user event\n    source: https://example.org/x\n")
    listed = _stress(installed, work, "events", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [e["id"] for e in json.loads(listed.stdout)["events"]] == ["my-event"]
    env_bad = dict(os.environ, PYTHONPATH=str(installed), STRESS_CONFIG_DIR=str(tmp_path / "nope"))
    bad = subprocess.run([sys.executable, "-m", "stress", "events", "list"], cwd=work, env=env_bad,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "STRESS_CONFIG_DIR" in bad.stderr and "no such folder" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
