"""Backtests that say how far to trust each model's numbers.

* :mod:`stress.backtest.coverage`: Kupiec, Christoffersen, Basel traffic light,
  Acerbi-Szekely Z2 (pure functions on exception series);
* :mod:`stress.backtest.var`: rolling one-day VaR/ES of a book, exceptions and tests;
* :mod:`stress.backtest.sensitivity`: leave-one-event-out sensitivities against the
  actual day-0 abnormal returns;
* :mod:`stress.backtest.propagation`: conditional-Gaussian propagation of each event's
  observed moves against what the other assets did;
* :mod:`stress.backtest.result`: the frozen results, :mod:`stress.backtest.words` their
  verdicts in plain words.

Pure numeric core: frames and arrays in; the CLI (:mod:`stress.cli.backtest`) reads the
store. Formulas: docs/methods.md, "Backtests".
"""
