"""Portfolios: files users write (CSV or YAML) and their valuation on stored prices.

* :mod:`stress.portfolio.files`: parse a file into a :class:`PortfolioFile` (no prices);
* :mod:`stress.portfolio.valuation`: value it as of a date into a :class:`Portfolio`;
* :mod:`stress.portfolio.batch`: many books in one long table or a folder.
"""

from stress.portfolio.files import read_portfolio
from stress.portfolio.valuation import value_portfolios

__all__ = ["read_portfolio", "value_portfolios"]
