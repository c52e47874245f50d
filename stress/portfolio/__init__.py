"""Portfolios: files users write (CSV or YAML) and their valuation on stored prices.

* :mod:`stress.portfolio.files`: parse a file into a :class:`PortfolioFile` (no prices);
* :mod:`stress.portfolio.valuation`: value it as of a date into a :class:`Portfolio`.
"""

from __future__ import annotations

__all__ = ["read_portfolio", "value_portfolios"]


def __getattr__(name: str):  # lazy: importing the package stays cheap
    if name == "read_portfolio":
        from stress.portfolio.files import read_portfolio

        return read_portfolio
    if name == "value_portfolios":
        from stress.portfolio.valuation import value_portfolios

        return value_portfolios
    raise AttributeError(name)
