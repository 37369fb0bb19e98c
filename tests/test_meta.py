"""Random-effects meta-analysis against metafor 3.8-1 (R 4.2) on the BCG vaccine data.

Reference values were produced with

    library(metafor)                      # 3.8-1
    dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
    res <- rma(yi, vi, data=dat, method=M, test=T)            # M, T as in each test
    predict(res)                                              # pi.lb, pi.ub
    confint(res)                                              # tau^2 Q-profile interval

printed with sprintf("%.12f"). Two sets are stored: metafor's defaults (the issue's
tolerance 1e-4; metafor stops Fisher scoring at a change < 1e-5 and solves PM with
uniroot's tol = eps^0.25), and the same calls with
``control=list(tol=1e-14, threshold=1e-14, maxiter=1000)``, i.e. converged to machine
precision, which our estimators match to 1e-8.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.meta import META_COLUMNS, meta_predict, random_effects

# metafor::dat.bcg (Colditz et al. 1994), 13 trials
BCG = pd.DataFrame({
    "trial": range(1, 14),
    "author": ["Aronson", "Ferguson & Simes", "Rosenthal et al", "Hart & Sutherland", "Frimodt-Moller et al",
               "Stein & Aronson", "Vandiviere et al", "TPT Madras", "Coetzee & Berjak", "Rosenthal et al",
               "Comstock et al", "Comstock & Webster", "Comstock et al"],
    "year": [1948, 1949, 1960, 1977, 1973, 1953, 1973, 1980, 1968, 1961, 1974, 1969, 1976],
    "tpos": [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27],
    "tneg": [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886],
    "cpos": [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29],
    "cneg": [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825],
    "ablat": [44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33],
    "alloc": ["random", "random", "random", "random", "alternate", "alternate", "random", "random", "random",
              "systematic", "systematic", "systematic", "systematic"],
})


def _escalc_rr(d: pd.DataFrame) -> pd.DataFrame:
    """escalc(measure="RR"): log risk ratio and its large-sample variance."""
    out = d.copy()
    n1, n2 = d["tpos"] + d["tneg"], d["cpos"] + d["cneg"]
    out["yi"] = np.log((d["tpos"] / n1) / (d["cpos"] / n2))
    out["vi"] = 1 / d["tpos"] - 1 / n1 + 1 / d["cpos"] - 1 / n2
    return out


DAT = _escalc_rr(BCG)

# sprintf("%.15f", dat$yi) / dat$vi from escalc
R_YI = [-0.889311333920205, -1.585388657201431, -1.348073148299693, -1.441551190021305, -0.217547322211296,
        -0.786115585818864, -1.620898223598392, 0.011952333523841, -0.469417648738149, -1.371344803472784,
        -0.339358828338391, 0.445913400571379, -0.017313948216880]
R_VI = [0.325584765003961, 0.194581121398144, 0.415367965367965, 0.020010031902248, 0.051210172169631,
        0.006905618455909, 0.223017247572315, 0.003961579297818, 0.056434210463249, 0.073024793613029,
        0.012412213971560, 0.532505845200153, 0.071404659683986]

QE = 152.233008082373  # Q(df = 12), the same for every method
TAU2_CI = (0.119718361141, 1.111479084061)  # confint(res) at the converged REML fit (Q-profile)

# rma(yi, vi, data=dat, method=M, test=T, control=list(tol=1e-14, threshold=1e-14, maxiter=1000)); predict(res)
EXACT = {
    ("REML", "knha"): dict(estimate=-0.714532342158, se=0.180791744093, ci_low=-1.108443713686,
                           ci_high=-0.320620970631, p_value=0.00192001509606, tau2=0.313243258136,
                           i2=92.221384521269, h2=12.855758235309, pi_low=-1.996016834196, pi_high=0.566952149880),
    ("REML", "z"): dict(estimate=-0.714532342158, se=0.179781516105, ci_low=-1.066897638810,
                        ci_high=-0.362167045506, p_value=7.05425810164e-05, tau2=0.313243258136,
                        i2=92.221384521269, h2=12.855758235309, pi_low=-1.866692217903, pi_high=0.437627533587),
    ("PM", "knha"): dict(estimate=-0.714968153493, se=0.180892191538, ci_low=-1.109098381202,
                         ci_high=-0.320837925785, p_value=0.00191927183128, tau2=0.318068452205,
                         i2=92.330337954153, h2=13.038384142904, pi_low=-2.005425922928, pi_high=0.575489615941),
    ("PM", "z"): dict(estimate=-0.714968153493, se=0.180892191538, ci_low=-1.069510333992,
                      ci_high=-0.360425972995, p_value=7.7353646079e-05, tau2=0.318068452205,
                      i2=92.330337954153, h2=13.038384142904, pi_low=-1.875807082484, pi_high=0.445870775497),
    ("ML", "knha"): dict(estimate=-0.711199135474, se=0.180042222144, ci_low=-1.103477438964,
                         ci_high=-0.318920831984, p_value=0.00192716565913, tau2=0.280028137269,
                         i2=91.378283789446, h2=11.598618831549, pi_low=-1.929082109502, pi_high=0.506683838553),
    ("ML", "z"): dict(estimate=-0.711199135474, se=0.171896808777, ci_low=-1.048110689734,
                      ci_high=-0.374287581214, p_value=3.51323296903e-05, tau2=0.280028137269,
                      i2=91.378283789446, h2=11.598618831549, pi_low=-1.801715505524, pi_high=0.379317234576),
    # DL is closed form: the defaults are exact
    ("DL", "knha"): dict(estimate=-0.714117222073, se=0.180696628336, ci_low=-1.107821354168,
                         ci_high=-0.320413089978, p_value=0.00192076676705, tau2=0.308760262862,
                         i2=92.117346854562, h2=12.686084006864, pi_low=-1.987206963431, pi_high=0.558972519284),
    ("DL", "z"): dict(estimate=-0.714117222073, se=0.178742089535, ci_low=-1.064445280084,
                      ci_high=-0.363789164062, p_value=6.4629243047e-05, tau2=0.308760262862,
                      i2=92.117346854562, h2=12.686084006864, pi_low=-1.858153752732, pi_high=0.429919308586),
}

# rma(yi, vi, data=dat, method=M, test=T) with metafor's default control; predict(res)
DEFAULT = {
    ("REML", "knha"): dict(estimate=-0.714532348365, se=0.180791745519, ci_low=-1.108443723000,
                           ci_high=-0.320620973730, tau2=0.313243325981, i2=92.221386074966, h2=12.855760803112,
                           pi_low=-1.996016967022, pi_high=0.566952270292),
    ("PM", "z"): dict(estimate=-0.714970405632, se=0.180897984126, ci_low=-1.069523939395, ci_high=-0.360416871870,
                      tau2=0.318093711863, i2=92.330900289885, h2=13.039340180713, pi_low=-1.875854596044,
                      pi_high=0.445913784779),
    ("PM", "knha"): dict(estimate=-0.714970405632, se=0.180892712223, ci_low=-1.109101767817,
                         ci_high=-0.320839043448, tau2=0.318093711863, i2=92.330900289885, h2=13.039340180713,
                         pi_low=-2.005474982241, pi_high=0.575534170976),
    ("DL", "z"): dict(estimate=-0.714117222073, se=0.178742089535, ci_low=-1.064445280084, ci_high=-0.363789164062,
                      tau2=0.308760262862, i2=92.117346854562, h2=12.686084006864, pi_low=-1.858153752732,
                      pi_high=0.429919308586),
    ("ML", "z"): dict(estimate=-0.711199139190, se=0.171896817023, ci_low=-1.048110709612, ci_high=-0.374287568769,
                      tau2=0.280028171050, i2=91.378284739847, h2=11.598620110104, pi_low=-1.801715573732,
                      pi_high=0.379317295351),
}


def _close(row, expected, *, atol, rtol=0.0):
    for name, value in expected.items():
        assert row[name] == pytest.approx(value, abs=atol, rel=rtol), name


def _close_defaults(row, expected):
    """1e-4 absolute; I² (percent) and H² relative 1e-4, as they amplify metafor's stopping error in τ²."""
    for name, value in expected.items():
        if name in ("i2", "h2"):
            assert row[name] == pytest.approx(value, rel=1e-4), name
        else:
            assert row[name] == pytest.approx(value, abs=1e-4), name


def test_escalc_matches_r():
    np.testing.assert_allclose(DAT["yi"], R_YI, atol=1e-14)
    np.testing.assert_allclose(DAT["vi"], R_VI, atol=1e-14)


@pytest.mark.parametrize("method,test", list(EXACT))
def test_matches_metafor_converged(method, test):
    res = random_effects(DAT, method=method, test=test)
    assert list(res.columns) == META_COLUMNS and len(res) == 1
    row = res.iloc[0]
    expected = dict(EXACT[(method, test)])
    p = expected.pop("p_value")
    _close(row, expected, atol=1e-8)
    assert row["p_value"] == pytest.approx(p, rel=1e-6)
    assert row["q"] == pytest.approx(QE, abs=1e-8)
    assert row["q_df"] == 12 and row["k"] == 13
    assert row["q_p"] == pytest.approx(1.99676459085e-26, rel=1e-6)
    # the Q-profile interval does not depend on the estimator of tau^2
    assert (row["tau2_ci_low"], row["tau2_ci_high"]) == pytest.approx(TAU2_CI, abs=1e-8)
    assert row["df"] == (12 if test == "knha" else np.inf)
    assert row["term"] == "intercept" and row["method"] == method and row["test"] == test


@pytest.mark.parametrize("method,test", list(DEFAULT))
def test_matches_metafor_defaults_to_1e4(method, test):
    """The issue's criterion: metafor's printed defaults to 1e-4."""
    row = random_effects(DAT, method=method, test=test).iloc[0]
    _close_defaults(row, DEFAULT[(method, test)])


def test_knha_not_truncated():
    """metafor 3.8 does not truncate s² at 1: for PM s² = Q(τ²)/(k-1) = 1 exactly, so knha SE = z SE."""
    knha = random_effects(DAT, method="PM", test="knha").iloc[0]
    z = random_effects(DAT, method="PM", test="z").iloc[0]
    assert knha["se"] == pytest.approx(z["se"], rel=1e-10)
    # REML: s² > 1 here; ML: s² > 1; DL: > 1 too. Not truncated means it can also be < 1 (below)
    low = pd.DataFrame({"yi": [0.10, 0.12, 0.09, 0.11, 0.30], "vi": [0.010, 0.020, 0.015, 0.010, 0.040]})
    a = random_effects(low, test="knha").iloc[0]
    b = random_effects(low, test="z").iloc[0]
    assert a["se"] < b["se"]


def test_meta_regression_matches_metafor():
    """rma(yi, vi, mods = ~ablat, data=dat, method="REML", test="knha", control=ctl); confint(res)"""
    res = random_effects(DAT, moderators=["ablat"], method="REML", test="knha").set_index("term")
    assert list(res.index) == ["intercept", "ablat"]
    np.testing.assert_allclose(res["estimate"], [0.251468210007, -0.029101725012], atol=1e-8)
    np.testing.assert_allclose(res["se"], [0.283925283743, 0.008201417411], atol=1e-8)
    np.testing.assert_allclose(res["p_value"], [0.394737072447, 0.00456505154154], rtol=1e-6)
    row = res.loc["ablat"]
    assert row["df"] == 11
    _close(row, dict(tau2=0.076347963955, i2=68.391224838182, h2=3.163678424364, r2=75.626621811622,
                     q=30.733090010749, q_p=0.00121429098742, tau2_ci_low=0.016680068321,
                     tau2_ci_high=0.784835254576), atol=1e-8)
    # F-test of the moderator: F(1, 11) = t²
    assert row["qm"] == pytest.approx(row["statistic"] ** 2, rel=1e-10)
    assert row["qm_p"] == pytest.approx(0.00456505154154, rel=1e-6)
    assert np.isnan(row["pi_low"])
    # metafor's defaults (printed summary): tau2 0.0764, R2 75.62%, ablat -0.0291 (SE 0.0082), to 1e-4
    _close_defaults(row, dict(estimate=-0.029101660928, se=0.008201541796, tau2=0.076354694706, i2=68.393130509048))
    assert res.loc["intercept", "estimate"] == pytest.approx(0.251464294374, abs=1e-4)


@pytest.mark.parametrize("method,expected", [
    # rma(yi, vi, mods=~ablat, data=dat, method=M, test="knha", control=ctl)
    ("PM", dict(intercept=(0.221915964507, 0.317473696547), slope=(-0.028564525894, 0.009070188871),
                tau2=0.142131941473, i2=80.111283882589, r2=55.314039953533)),
    ("ML", dict(intercept=(0.282107173896, 0.242484740312), slope=(-0.029509335388, 0.007108985589),
                tau2=0.034351442481, i2=49.328850185018, r2=87.732860413135)),
    # DL: defaults are exact
    ("DL", dict(intercept=(0.259543712434, 0.273874502068), slope=(-0.029228738755, 0.007937755786),
                tau2=0.063300502426, i2=64.207959576624, r2=None)),
])
def test_meta_regression_other_estimators(method, expected):
    res = random_effects(DAT, moderators="ablat", method=method, test="knha").set_index("term")
    assert (res.loc["intercept", "estimate"], res.loc["intercept", "se"]) == pytest.approx(expected["intercept"], abs=1e-8)
    assert (res.loc["ablat", "estimate"], res.loc["ablat", "se"]) == pytest.approx(expected["slope"], abs=1e-8)
    assert res.loc["ablat", "tau2"] == pytest.approx(expected["tau2"], abs=1e-8)
    assert res.loc["ablat", "i2"] == pytest.approx(expected["i2"], abs=1e-7)
    if expected["r2"] is not None:
        assert res.loc["ablat", "r2"] == pytest.approx(expected["r2"], abs=1e-7)


def test_meta_regression_z_test():
    """rma(yi, vi, mods=~ablat, data=dat, method="REML", test="z") (defaults): QM = 16.3571 on 1 df."""
    res = random_effects(DAT, moderators=["ablat"], test="z").set_index("term")
    np.testing.assert_allclose(res["estimate"], [0.251464294374, -0.029101660928], atol=1e-4)
    np.testing.assert_allclose(res["se"], [0.249103666389, 0.007195554757], atol=1e-4)
    assert res.loc["ablat", "qm"] == pytest.approx(16.357125572159, abs=1e-2)
    assert res.loc["ablat", "qm_df2"] == np.inf


def test_categorical_moderator_as_indicators():
    """rma(yi, vi, mods=~alloc, data=dat, method="REML", test="knha", control=ctl): levels alternate|random|systematic."""
    res = random_effects(DAT, moderators=["alloc"]).set_index("term")
    assert list(res.index) == ["intercept", "alloc[random]", "alloc[systematic]"]
    np.testing.assert_allclose(res["estimate"], [-0.517955777155, -0.447818401391, 0.089038216232], atol=1e-8)
    np.testing.assert_allclose(res["se"], [0.421947058594, 0.493318571737, 0.535603661855], atol=1e-8)
    row = res.iloc[0]
    assert row["tau2"] == pytest.approx(0.361503664324, abs=1e-8)
    assert row["qm"] == pytest.approx(0.966220844813, abs=1e-7)  # under knha metafor's QM is the F statistic, QM/m
    assert row["qm_p"] == pytest.approx(0.413383745722, abs=1e-8)
    assert row["r2"] == 0.0  # tau2 grows with the moderator: truncated at 0, as metafor
    assert row["i2"] == pytest.approx(88.770903571707, abs=1e-7)


def test_predict_matches_metafor():
    """predict(rma(yi, vi, mods=~ablat, method="REML", test="knha", control=ctl), newmods=c(20, 40))."""
    pred = meta_predict(DAT, at={"ablat": [20, 40]}, moderators=["ablat"])
    # defaults printed: pred -0.3306 / -0.9126, pi -1.0255..0.3643 / -1.5952..-0.2300
    np.testing.assert_allclose(pred["pred"], [-0.330568924186, -0.912602142746], atol=1e-4)
    np.testing.assert_allclose(pred["se"], [0.152714140835, 0.140851630229], atol=1e-4)
    np.testing.assert_allclose(pred["pi_low"], [-1.025454147134, -1.595240720156], atol=1e-4)
    np.testing.assert_allclose(pred["pi_high"], [0.364316298762, -0.229963565336], atol=1e-4)
    np.testing.assert_allclose(pred["ci_low"], [-0.666690481899, -1.222614490655], atol=1e-4)
    # intercept-only: the same interval as random_effects
    one = meta_predict(DAT, at=pd.DataFrame(index=[0]))
    full = random_effects(DAT).iloc[0]
    assert (one.loc[0, "pi_low"], one.loc[0, "pi_high"]) == pytest.approx((full["pi_low"], full["pi_high"]), abs=1e-12)


# --------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize("method", ["REML", "PM", "DL", "ML"])
def test_tau2_on_the_boundary(method):
    """yi = c(.10,.12,.09,.11,.30), vi = c(.010,.020,.015,.010,.040); rma(..., method=M, test="knha"); confint()"""
    d = pd.DataFrame({"yi": [0.10, 0.12, 0.09, 0.11, 0.30], "vi": [0.010, 0.020, 0.015, 0.010, 0.040]})
    row = random_effects(d, method=method, test="knha").iloc[0]
    assert row["tau2"] == 0.0
    _close(row, dict(estimate=0.118536585366, se=0.025935214210, ci_low=0.046528886821, ci_high=0.190544283911,
                     i2=0.0, h2=1.0, q=0.919268292683, q_p=0.921780340036, pi_low=0.046528886821,
                     pi_high=0.190544283911, tau2_ci_low=0.0), atol=1e-9)
    # confint(res, control=list(tol=1e-12)) (the default tol gives 0.029795375401)
    assert row["tau2_ci_high"] == pytest.approx(0.029791963506, abs=1e-9)
    assert "boundary" in row["note"]


def test_equal_variances():
    """yi = dat$yi[1:6], vi = 0.05: DL = PM = REML = var(y) - v; ML = (k-1)/k var(y) - v."""
    d = pd.DataFrame({"yi": R_YI[:6], "vi": 0.05})
    expected = {"REML": 0.213412687958, "PM": 0.213412687958, "DL": 0.213412687958, "ML": 0.169510573298}
    for method, tau2 in expected.items():
        row = random_effects(d, method=method).iloc[0]
        assert row["tau2"] == pytest.approx(tau2, abs=1e-9), method
        assert row["estimate"] == pytest.approx(-1.044664539579, abs=1e-10)
        # with equal variances the Hartung-Knapp SE does not depend on tau^2
        assert row["se"] == pytest.approx(0.209528314697, abs=1e-10)
    reml = random_effects(d).iloc[0]
    _close(reml, dict(i2=81.018378276440, h2=5.268253759155, q=26.341268795774, pi_low=-2.348623189849,
                      pi_high=0.259294110692), atol=1e-8)


def test_two_and_four_studies():
    """rma(yi, vi, data=dat[1:2,], test="knha") and dat[c(1,4,6,8),] (REML, control=ctl)."""
    two = random_effects(DAT.iloc[:2]).iloc[0]
    _close(two, dict(estimate=-1.325003442245, se=0.336820105221, ci_low=-5.604708658441, ci_high=2.954701773951,
                     tau2=0.0, pi_low=-5.604708658441, pi_high=2.954701773951), atol=1e-8)
    four = random_effects(DAT.iloc[[0, 3, 5, 7]]).iloc[0]
    _close(four, dict(estimate=-0.754463617299, se=0.316256392407, ci_low=-1.760932604838, ci_high=0.252005370240,
                      tau2=0.393771987133, i2=97.116925351744, pi_low=-2.990774982951, pi_high=1.481847748353),
           atol=1e-8)


def test_one_study_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 2 studies.*k = 1"):
        random_effects(DAT.iloc[:1])
    with pytest.raises(ValueError, match="at least 3 studies"):
        random_effects(DAT.iloc[:2], moderators=["ablat"])


@pytest.mark.parametrize("bad", [0.0, -0.1])
def test_non_positive_variance_names_the_row(bad):
    d = DAT.set_index("author").copy()
    d.iloc[4, d.columns.get_loc("vi")] = bad
    with pytest.raises(ValueError, match="Frimodt-Moller et al.*must be positive|must be positive.*Frimodt-Moller"):
        random_effects(d)


def test_missing_values_name_the_row():
    d = DAT.copy()
    d.loc[7, "yi"] = np.nan
    with pytest.raises(ValueError, match=r"effect column 'yi'.*row\(s\) 7"):
        random_effects(d)
    d = DAT.copy()
    d.loc[2, "vi"] = np.inf
    with pytest.raises(ValueError, match=r"variance column 'vi'.*row\(s\) 2"):
        random_effects(d)
    d = DAT.copy()
    d.loc[11, "ablat"] = np.nan
    with pytest.raises(ValueError, match=r"moderator 'ablat'.*row\(s\) 11"):
        random_effects(d, moderators=["ablat"])


def test_bad_arguments():
    with pytest.raises(ValueError, match="`method`"):
        random_effects(DAT, method="HS")
    with pytest.raises(ValueError, match="`test`"):
        random_effects(DAT, test="t")
    with pytest.raises(ValueError, match="not in `data`"):
        random_effects(DAT, effect="es")
    with pytest.raises(ValueError, match="collinear"):
        random_effects(DAT.assign(c=1.0), moderators=["c"])


def test_homogeneous_identical_effects():
    """All effects equal: τ² = 0, Q = 0, the Hartung–Knapp SE is 0 (s² = 0), as metafor."""
    d = pd.DataFrame({"yi": [0.3, 0.3, 0.3], "vi": [0.01, 0.02, 0.03]})
    row = random_effects(d).iloc[0]
    assert row["tau2"] == 0 and row["q"] == pytest.approx(0, abs=1e-20) and row["se"] == pytest.approx(0, abs=1e-12)
    assert row["estimate"] == pytest.approx(0.3)


def test_scale_invariance(rng):
    """Multiplying effects by c multiplies estimate by c and τ² by c² (no hidden absolute tolerances)."""
    base = random_effects(DAT).iloc[0]
    for c in (1e-3, 1e3):
        row = random_effects(DAT.assign(yi=DAT["yi"] * c, vi=DAT["vi"] * c * c)).iloc[0]
        assert row["estimate"] == pytest.approx(base["estimate"] * c, rel=1e-8)
        assert row["tau2"] == pytest.approx(base["tau2"] * c * c, rel=1e-8)
        assert row["i2"] == pytest.approx(base["i2"], rel=1e-8)
