"""Where things live: the data directory (``STRESS_HOME``), configs, sample data."""

from __future__ import annotations

import os
from pathlib import Path

from stress.errors import EnvironmentFault, InputError

_PACKAGE_DIR = Path(__file__).resolve().parent


def stress_home() -> Path:
    """The data directory: ``$STRESS_HOME``, else the platform's user data dir for ``stress``."""
    env = os.environ.get("STRESS_HOME")
    if env:
        path = Path(env).expanduser()
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("stress", appauthor=False))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        cause = "a file is in the way" if isinstance(exc, (FileExistsError, NotADirectoryError)) \
            else (exc.strerror or str(exc))
        raise EnvironmentFault(f"{path}: cannot create the data directory (STRESS_HOME): {cause}") from None
    if not path.is_dir():
        raise EnvironmentFault(f"{path}: the data directory (STRESS_HOME) is not a folder")
    return path


def store_path() -> Path:
    """The SQLite price store inside the data directory."""
    return stress_home() / "prices.sqlite"


def config_dir() -> Path:
    """The default configs shipped with ``stress``: ``configs/`` of the clone (a source
    checkout or an editable install), else the copy a wheel installs under
    ``<prefix>/share/stress/configs`` (the prefix of the site-packages holding the
    package: a venv, ``--user`` or ``--prefix``; else the interpreter's)."""
    import sysconfig

    shared = Path("share") / "stress" / "configs"
    candidates = [_PACKAGE_DIR.parent / "configs"]
    if len(_PACKAGE_DIR.parents) > 3:  # <prefix>/lib/pythonX.Y/site-packages/stress
        candidates.append(_PACKAGE_DIR.parents[3] / shared)
    candidates.append(Path(sysconfig.get_path("data")) / shared)
    for c in candidates:
        if (c / "universe.yaml").is_file():
            return c
    raise InputError("the default configs are not installed (no configs/universe.yaml beside "
                     "the package or under the install prefix): reinstall stress, or set "
                     "STRESS_CONFIG_DIR to a folder holding universe.yaml, events.yaml, scenarios.yaml")


def config_file(name: str) -> Path:
    """Where ``configs/NAME`` is read from: ``$STRESS_CONFIG_DIR/NAME``, else
    ``./configs/NAME`` in the working directory, else the shipped default. A
    ``STRESS_CONFIG_DIR`` that is not a folder is an error, never silently ignored."""
    env = os.environ.get("STRESS_CONFIG_DIR")
    if env is not None:
        folder = Path(env).expanduser()
        if not folder.is_dir() or not env.strip():
            what = "not a folder" if env.strip() and folder.exists() else "no such folder"
            raise InputError(f"STRESS_CONFIG_DIR={env}: {what}")
        if (folder / name).is_file():
            return folder / name
    local = Path.cwd() / "configs" / name
    if local.is_file():
        return local
    return config_dir() / name


def sample_data_dir() -> Path | None:
    """The real market data folder named by ``$STRESS_SAMPLE_DATA``, or None if unset."""
    env = os.environ.get("STRESS_SAMPLE_DATA")
    return Path(env) if env else None
