"""The report's back matter: glossary, limitations and the methods appendix with the
formulas used, written into the report (a committee member reads them on paper, not in
the repository). The text follows docs/methods.md; the settings shown are the run's."""

from __future__ import annotations

from typing import Sequence

from stress.report.doc import Section, Table, Text
from stress.report.tables import Column

GLOSSARY: tuple[tuple[str, str], ...] = (
    ("Abnormal return (AR)", "The part of an asset's return the market model does not explain: "
     "AR = r - (alpha + beta r_m), with alpha and beta estimated before the event."),
    ("CAR", "Cumulative abnormal return: the sum of an asset's ARs over an event window [a, b] of "
     "trading days relative to day 0."),
    ("CAAR", "Cumulative average abnormal return: the equal-weighted mean of the CARs of a "
     "group's assets."),
    ("BHAR", "Buy-and-hold abnormal return: the compounded return minus the compounded "
     "market return over a window (the recovery read's market-adjusted returns)."),
    ("Day 0", "The first trading session on which the event could move prices."),
    ("DeepSeek unit", "The size of an AI-demand shock measured against DeepSeek (27 Jan 2025): "
     "the reference basket's day-0 abnormal return divided by its size on DeepSeek day. "
     "DeepSeek itself is -1; a shock of k units is k times as large."),
    ("b", "Event-based sensitivity: an asset's abnormal return per DeepSeek unit, a weighted "
     "regression over the catalogue's AI-demand events. In a repeat of DeepSeek (k = -1) the "
     "expected abnormal move is -b."),
    ("beta_ai", "Factor-based sensitivity: the asset's loading on a daily AI factor return "
     "(orthogonalised to the market) in a time-series regression with the market."),
    ("Patell Z", "Naive test: standardised abnormal returns summed over assets, assuming "
     "independent assets."),
    ("BMP t", "Boehmer-Musumeci-Poulsen test: the cross-sectional t-test of standardised "
     "abnormal returns; robust to event-induced variance, not to correlation."),
    ("KP", "Kolari-Pynnonen adjustment of the BMP t for the cross-correlation of residuals when "
     "all assets share the event date; the report's headline test."),
    ("Crude dependence test", "Brown-Warner portfolio test: the average AR against the "
     "time-series sd of the average AR in the estimation window."),
    ("Placebo p", "The share of pre-event sessions without an event whose CAAR is at least as "
     "large in absolute value as the event's: a test without distribution assumptions."),
    ("Size check", "How often a test rejects on placebo sessions; a well-sized 5% test rejects "
     "on about 5% of them."),
    ("VaR", "Value at risk at confidence alpha: the loss exceeded with probability 1 - alpha "
     "over the horizon."),
    ("ES", "Expected shortfall: the average loss in the worst 1 - alpha of outcomes (>= VaR)."),
    ("Before / stressed regime", "Before: the window of daily returns that ends the session "
     "before the event's day 0 (it holds no day of the event); stressed: day 0 and the sessions "
     "after. The same labels as `stress run --var`."),
    ("Mahalanobis distance", "How unusual a joint move of the assets is given their covariance: "
     "sqrt((r - mu)' Sigma^-1 (r - mu)); its percentile under the chi-square law says how rare."),
    ("Reverse stress", "The shock that produces a given loss: here the AI shock k, and the most "
     "plausible joint move of the holdings (smallest Mahalanobis distance)."),
    ("Propagated holding", "A holding without a sensitivity or without prices at the event, whose "
     "scenario return is filled by conditioning on the assets that have one."),
    ("Not attainable", "A linear answer that needs an asset to lose more than 100%: no real "
     "price move can give it, so it is never a headline."),
)

LIMITATIONS: tuple[str, ...] = (
    "Event studies measure the average abnormal move of assets that share one date. Other news "
    "on the same days (earnings, macro, other catalogue events) is not removed; windows that "
    "hold another catalogue event read both.",
    "The market model is estimated on [-250, -11] before day 0; a regime change after the "
    "estimation window biases the abnormal returns of longer windows.",
    "Cross-sectional tests rest on the number of assets in a group: with fewer than 10 assets "
    "they are imprecise, and the rank and sign tests are coarse.",
    "Sensitivities (b) come from a handful of AI-demand events; their intervals are wide and "
    "extrapolating to shocks much larger than DeepSeek is linear by assumption.",
    "Hypothetical shocks are linear in the DeepSeek unit: at large k an asset's implied return "
    "can fall below -100%, which is impossible; such cells are flagged as not attainable.",
    "Historical VaR and ES at 99% rest on a few tail observations (with 60 stressed sessions, "
    "ES at 99% is essentially the worst day); Monte Carlo VaR assumes normal returns.",
    "Prices are daily adjusted closes from the stated source; intraday moves and trading costs "
    "are ignored, and a book is valued at the stated date with constant positions.",
)

METHODS: tuple[tuple[str, Sequence[str]], ...] = (
    ("Returns and the market model", (
        "Daily simple returns r_t = P_t / P_t-1 - 1 of adjusted closes. OLS over the estimation "
        "window [-250, -11]: r_it = alpha_i + beta_i r_mt + e_it, residual sd sigma_i.",
        "AR_it = r_it - (alpha_i + beta_i r_mt);   CAR_i[a,b] = sum_{t=a..b} AR_it;   "
        "CAAR[a,b] = (1/N) sum_i CAR_i[a,b].",
        "Var(CAR_i) = sigma_i^2 (L + 1'X_w (X'X)^-1 X_w'1), the forecast-error variance over the "
        "L = b - a + 1 window days (X: the estimation regressors, X_w those of the window).",
    )),
    ("Tests across assets", (
        "SCAR_i = CAR_i / sd(CAR_i).   Patell Z = sum_i SCAR_i / sqrt(sum_i (L1 - 2)/(L1 - 4)).",
        "BMP t = mean(SCAR) / (sd(SCAR) / sqrt(N))   (Boehmer, Musumeci and Poulsen 1991).",
        "KP t = BMP t x sqrt((1 - r) / (1 + (N - 1) r)), r = the mean pairwise correlation of the "
        "estimation-window residuals (Kolari and Pynnonen 2010).",
        "Crude dependence: t = CAAR / (sqrt(L) sd(AAR_est)) (Brown and Warner 1985); Corrado (1989) "
        "rank test; generalised sign test (Cowan 1992). Two-sided p-values.",
        "Placebo p = (1 + #{placebo |CAAR| >= |CAAR_event|}) / (1 + M) over M pre-event sessions "
        "without a catalogue event.",
        "CAR-path band: CAAR +- 1.96 sqrt(L/N^2 (sum sigma_i^2 + r((sum sigma_i)^2 - sum sigma_i^2))).",
    )),
    ("Recovery (the Jevons question)", (
        "Sessions to regain: the first s >= 1 with close[day0 + s] >= close[day0 - 1] for an asset "
        "that fell on day 0 (<= for one that rose: the gain given back); none by the data's end "
        "otherwise.",
        "CAR[0,h] = sum_{t=0..h} (r_t - r_mt) (market-adjusted: over 250 sessions a market "
        "model's pre-event intercept would be extrapolated); BHAR[0,h] = prod(1 + r_t) - "
        "prod(1 + r_mt); group values are means over members. Other catalogue events whose day 0 "
        "falls in [0, h] are named: a long CAR is not the event's alone.",
    )),
    ("Rebound", (
        "Rebound share by horizon h: s_h = 1 - CAAR[0,h] / CAAR[0,0]; shown as 'kept' (1 - s_h), "
        "'gave back' (s_h) or 'extended' (s_h < 0), only where the day-0 move is significant by KP.",
    )),
    ("AI-shock sensitivity", (
        "Shock size of event e: s_e = AR_basket,e / |AR_basket,DeepSeek| (DeepSeek = -1).",
        "Event-based b: WLS through the origin of an asset's CAR_e on s_e, weights w_e = 1 / Var(CAR_e): "
        "b = sum w_e s_e y_e / sum w_e s_e^2; se(b) = sqrt(sigma^2 / sum w_e s_e^2) with "
        "sigma^2 = sum w_e (y_e - b s_e)^2 / (n - 1); 95% CI b +- t_{n-1,0.975} se(b).",
        "Factor-based beta_ai: r_it = a_i + b_m,i MKT_t + beta_ai,i AI_t + e_it over 504 sessions, "
        "AI orthogonalised to the market, Newey-West standard errors.",
    )),
    ("Scenarios and P&L", (
        "Replay: each holding's buy-and-hold return over the event window (close before the first "
        "window day to the last). AI shock of k units: r_i = b_i k + beta_i m (m: the market move). "
        "P&L = sum_i v_i r_i; as a share of NAV = P&L / NAV.",
        "Custom shocks: the unshocked assets move by the conditional mean "
        "E[r_2 | r_1] = mu_2 + S_21 S_11^-1 (r_1 - mu_1) (conditional Gaussian).",
    )),
    ("VaR and ES", (
        "Historical: losses sorted L_(1) <= ... <= L_(T), k = ceil(T alpha); VaR = L_(k); "
        "ES = [ (1/T) sum_{i>k} L_(i) + VaR (k/T - alpha) ] / (1 - alpha)  (Acerbi and Tasche 2002).",
        "Normal: VaR = -mu_p + sigma_p z_alpha; ES = -mu_p + sigma_p phi(z_alpha) / (1 - alpha).",
        "Monte Carlo: R = h mu' + sqrt(h) Z L' with L L' = Sigma; the historical estimator on the "
        "simulated P&L.",
        "Before: the covariance window ending the session before the event's day 0 (complete days); "
        "stressed: day 0 and the sessions after. When the tail holds less than one observation "
        "(T (1 - alpha) < 1), historical ES equals VaR: the worst P&L of the window.",
    )),
    ("Backtests", (
        "Sensitivity, leave one event out: b_(-e) from the other events, predicted AR b_(-e) s_e "
        "with its 90% WLS prediction band; out-of-sample R^2 = 1 - sum (y - yhat)^2 / sum y^2.",
        "VaR: exceptions I_t = 1{loss_t > VaR_t}; Kupiec LR_pof = -2 ln[(1-p)^(n-x) p^x / "
        "((1-x/n)^(n-x) (x/n)^x)] ~ chi2(1); Christoffersen LR_ind from the 2x2 transition "
        "counts ~ chi2(1), LR_cc = LR_pof + LR_ind ~ chi2(2).",
        "Basel traffic light: exceptions at 99% in the last 250 days, green 0-4, yellow 5-9, red 10+.",
        "ES (Acerbi and Szekely 2014): Z2 = 1 - sum_t loss_t I_t / (T (1 - alpha) ES_t), below 0 "
        "when losses beyond VaR exceed the forecast ES; its critical value simulated under the model.",
        "Propagation: the share of the propagated assets whose actual day-0 return lies inside "
        "the 90% conditional band; Mahalanobis distance of the conditioning moves.",
    )),
    ("Reverse stress", (
        "AI shock: P&L(k) = c + k p with p the P&L per DeepSeek unit; k = -(loss + c) / p. "
        "Not attainable when a held asset's return b_i k + beta_i m falls below -100%.",
        "Most plausible joint shock: minimise (r - mu)' Sigma^-1 (r - mu) subject to v'r = -loss: "
        "r* = mu - ((loss + v'mu) / (v' Sigma v)) Sigma v; Mahalanobis distance "
        "d = (loss + v'mu) / sqrt(v' Sigma v), its percentile from the chi-square law.",
    )),
)


def appendix_sections(settings: Sequence[tuple[str, str]] = ()) -> list[Section]:
    import pandas as pd

    gl = pd.DataFrame(GLOSSARY, columns=["term", "meaning"])
    out = [Section("Glossary", [Table(gl, [Column("term", "Term", align="left", wrap=24),
                                           Column("meaning", "Meaning", align="left", wrap=90)],
                                      font=8, widths=(1.4, 5.6))]),
           Section("Limitations", [Text(t, "bullet") for t in LIMITATIONS])]
    blocks: list = []
    for title, lines in METHODS:
        blocks.append(Text(title, "h2"))
        blocks += [Text(ln, "mono") for ln in lines]
    if settings:
        blocks.append(Text("Settings of this report", "h2"))
        blocks += [Text(f"{k}: {v}", "mono") for k, v in settings]
    out.append(Section("Methods appendix: the formulas used", blocks))
    return out
