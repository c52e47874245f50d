"""The verdicts' words follow the numbers' sign and size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stress.backtest.var import backtest_book
from stress.backtest.words import share_words


@pytest.mark.parametrize("r2,words", [(0.95, "nearly all"), (0.65, "most"), (0.45, "about half"),
                                      (0.33, "about a third"), (0.26, "about a quarter"),
                                      (0.12, "about a tenth"), (0.19, "about a fifth"), (0.03, "almost none"), (-0.2, "none")])
def test_share_words(r2, words):
    assert share_words(r2) == words


def _book(x, method="historical"):
    f = pd.DataFrame(x, index=pd.bdate_range("2012-01-02", periods=len(x)), columns=["A"])
    return backtest_book(f, [1e6], nav=1e6, window=250, methods=(method,), null_sims=300)


def test_var_words_follow_the_exceptions():
    rng = np.random.default_rng(6)
    # volatility falling steadily from 3% to 0.3%: each window's VaR is from a wilder past
    falling = rng.normal(size=1500) * 0.03 * np.exp(-np.log(10) * np.arange(1500) / 1500)
    r = _book(falling[:, None])
    c = r.coverage.set_index("confidence").loc[0.99]
    assert c["hits"] < c["expected"] and c["p_pof"] < 0.05
    assert "too few exceptions: it overstates the risk" in r.summary()
    storm = np.concatenate([rng.normal(0, 0.005, 600), rng.normal(0, 0.05, 80), rng.normal(0, 0.005, 600)])
    r = _book(storm[:, None], "normal")  # its sd catches up with a burst only slowly
    c = r.coverage.set_index("confidence").loc[0.99]
    assert c["hits"] > c["expected"] and c["p_ind"] < 0.05
    text = r.summary()
    assert "too many exceptions: it understates the risk" in text and "the exceptions cluster" in text
