"""Scenarios and the portfolio-by-scenario engine.

* :mod:`~stress.scenarios.catalogue`: scenario specifications (configs/scenarios.yaml,
  every event of configs/events.yaml as a replay, CLI flags);
* :mod:`~stress.scenarios.replay`: buy-and-hold returns over an event window;
* :mod:`~stress.scenarios.hypothetical`: AI-demand shocks of size k through sensitivities;
* :mod:`~stress.scenarios.custom`: shocks to named tickers propagated by conditioning;
* :mod:`~stress.scenarios.engine`: the (P, N) x (N, S) grid, one matrix product;
* :mod:`~stress.scenarios.sets`: scenario set files and seeded blockwise Monte Carlo draws
  (the chunked engine's sources);
* :mod:`~stress.scenarios.stressvar`: VaR/ES before and under a scenario's regime;
* :mod:`~stress.scenarios.reverse`: the shock that produces a given loss;
* :mod:`~stress.scenarios.runner`: the one function that reads the store and runs all;
* :mod:`~stress.scenarios.result`: the frozen result with its frames and JSON.
"""
