"""Writing result tables as CSV files (``--out`` / ``--out-dir``): the one place that does."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from stress.atomic import atomic_path, check_output_dir, check_output_names


def write_frames(out_dir: str | Path, frames: dict[str, Any], index: Iterable[str] = ()) -> list[Path]:
    """Write each frame as ``<name>.csv`` into ``out_dir`` (created if needed), in order;
    the frames named in ``index`` keep their index as the first column. Returns the paths.
    Each file is written atomically (:func:`stress.atomic.atomic_path`); a folder that
    cannot take them is one :class:`~stress.errors.EnvironmentFault` line."""
    out = check_output_dir(out_dir)
    check_output_names(out, [f"{name}.csv" for name in frames])
    keep = set(index)
    paths = []
    for name, frame in frames.items():
        path = out / f"{name}.csv"
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, index=name in keep)
        paths.append(path)
    return paths
