"""Writing result tables as CSV files (``--out`` / ``--out-dir``): the one place that does."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from stress.errors import InputError


def write_frames(out_dir: str | Path, frames: dict[str, Any], index: Iterable[str] = ()) -> list[Path]:
    """Write each frame as ``<name>.csv`` into ``out_dir`` (created if needed), in order;
    the frames named in ``index`` keep their index as the first column. Returns the paths."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the folder: {exc.strerror or exc}") from None
    keep = set(index)
    paths = []
    for name, frame in frames.items():
        path = out / f"{name}.csv"
        frame.to_csv(path, index=name in keep)
        paths.append(path)
    return paths
