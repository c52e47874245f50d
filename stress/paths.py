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
    """The configs folder: ``$STRESS_CONFIG_DIR``, else ``configs/`` beside the package
    (a clone or an editable install), else ``./configs``."""
    env = os.environ.get("STRESS_CONFIG_DIR")
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            what = "not a folder" if path.exists() else "no such folder"
            raise InputError(f"STRESS_CONFIG_DIR={env}: {what}")
        return path
    candidates = [_PACKAGE_DIR.parent / "configs", Path.cwd() / "configs"]
    for c in candidates:
        if c.is_dir():
            return c
    raise InputError(
        "no configs folder found: set STRESS_CONFIG_DIR or run from the repository clone"
    )


def sample_data_dir() -> Path | None:
    """The real market data folder named by ``$STRESS_SAMPLE_DATA``, or None if unset."""
    env = os.environ.get("STRESS_SAMPLE_DATA")
    return Path(env) if env else None
