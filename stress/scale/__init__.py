"""Scale-out: many books against many scenarios, chunk by chunk, in process or on Dask.

* :mod:`stress.scale.books_var`: valued books + a window of returns + a scenario set ->
  VaR/ES per book and method (scenario set, historical, normal, Monte Carlo), every
  books-by-scenarios piece through an engine;
* :mod:`stress.scale.dask_engine`: the same chunks as ``dask.distributed`` tasks
  (``--scheduler ADDRESS`` or ``local``);
* :mod:`stress.scale.grid_parquet`: the full grid streamed to Parquet, block by block.

The numeric core is :mod:`stress.risk.chunked`; the scenario sources are
:mod:`stress.scenarios.sets`; the book batches :mod:`stress.portfolio.batch`.
"""


def available_memory() -> int:
    """Bytes the system can still give (MemAvailable of /proc/meminfo, else free pages)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import os

    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
