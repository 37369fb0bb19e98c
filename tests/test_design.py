"""Tests for evaluation.design.survey_mean against R's survey package (Lumley), to 1e-6.

Data: tests/data/design_survey.csv, 197 adults in 115 of the street's 200 homes
(column ``home``), with tenure, age group, a design weight ``w`` (per home), a score
``y`` and a yes/no answer ``yes``. Population: 200 homes, 360 adults; margins
tenure owner 150 / rent 210 and age 18-39 110 / 40-64 140 / 65+ 110.

Reference values from R 4.2.2 Patched (2022-11-10 r83330), survey 4.1.1 (re-run for issue 11,
all agree to 1e-10 or better)::

    library(survey)
    d <- read.csv("tests/data/design_survey.csv")
    d$N_homes <- 200; d$N_people <- 360
    pop <- list(data.frame(tenure = c("owner", "rent"), Freq = c(150, 210)),
                data.frame(age = c("18-39", "40-64", "65+"), Freq = c(110, 140, 110)))
    ctl <- list(maxit = 100, epsilon = 1e-12)   # rake() to convergence (default: 10 sweeps)
    designs <- list(
      fpc = svydesign(ids = ~1, fpc = ~N_people, data = d),
      home = svydesign(ids = ~home, data = d),
      home_fpc = svydesign(ids = ~home, fpc = ~N_homes, data = d),
      home_fpc_w = svydesign(ids = ~home, weights = ~w, fpc = ~N_homes, data = d),
      raked = rake(svydesign(ids = ~1, data = d), list(~tenure, ~age), pop, control = ctl),
      raked_home_fpc = rake(svydesign(ids = ~home, fpc = ~N_homes, data = d),
                            list(~tenure, ~age), pop, control = ctl),
      calib_home_fpc_w = calibrate(svydesign(ids = ~home, weights = ~w, fpc = ~N_homes,
                                             data = d), list(~tenure, ~age), pop,
                                   calfun = "raking", epsilon = 1e-12, maxit = 200),
      rake_home_fpc_w = rake(svydesign(ids = ~home, weights = ~w, fpc = ~N_homes, data = d),
                             list(~tenure, ~age), pop, control = ctl))
    # per design and v in c("y", "yes"):
    m <- svymean(~v, des); coef(m); SE(m); confint(m, df = degf(des)); degf(des)
    deff(svymean(~v, des, deff = "replace"))
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.design import survey_mean
from evaluation.stats import mean_ci

DATA = pd.read_csv(Path(__file__).parent / "data" / "design_survey.csv")
MARGINS = {"tenure": {"owner": 150, "rent": 210}, "age": {"18-39": 110, "40-64": 140, "65+": 110}}
TOL = 1e-6

# name: (mean, SE, confint low, confint high with df = degf, degf, deff "replace")
R = {
    "fpc-y": (3.334720812183, 0.042646953781, 3.250614996654, 3.418826627712, 196, 0.4527777778),
    "fpc-yes": (0.467005076142, 0.023979319441, 0.419714471806, 0.514295680479, 196, 0.4527777778),
    "home-y": (3.334720812183, 0.074228359443, 3.187675003834, 3.481766620532, 114, 1.3716673364),
    "home-yes": (0.467005076142, 0.037389639432, 0.392936488402, 0.541073663882, 114, 1.1008140181),
    "home_fpc-y": (3.334720812183, 0.048390969942, 3.238858673436, 3.430582950929, 114, 0.5829586180),
    "home_fpc-yes": (0.467005076142, 0.024375062732, 0.418718264608, 0.515291887676, 114, 0.4678459577),
    "home_fpc_w-y": (3.331805433830, 0.050202556530, 3.232354556006, 3.431256311654, 114, 0.6226853708),
    "home_fpc_w-yes": (0.478527607362, 0.024595126437, 0.429804851322, 0.527250363402, 114, 0.4751337392),
    "raked-y": (3.458122162630, 0.057979941404, 3.343777530157, 3.572466795103, 196, 0.8504138006),
    "raked-yes": (0.519591501451, 0.036282919481, 0.448036460300, 0.591146542603, 196, 1.0336840160),
    "raked_home_fpc-y": (3.458122162630, 0.045447577620, 3.368090861403, 3.548153463857, 114, 0.5225119595),
    "raked_home_fpc-yes": (0.519591501451, 0.024162464805, 0.471725844773, 0.567457158130, 114, 0.4584223885),
    "calib_home_fpc_w-y": (3.457196416994, 0.046017452842, 3.366036197340, 3.548356636647, 114, 0.5282407714),
    "calib_home_fpc_w-yes": (0.528675260211, 0.025012371887, 0.479125944149, 0.578224576273, 114, 0.4921036674),
}
# the same call in Python
DESIGNS = {
    "fpc": dict(population=360),
    "home": dict(cluster="home"),
    "home_fpc": dict(cluster="home", population=200),
    "home_fpc_w": dict(cluster="home", population=200, weight="w"),
    "raked": dict(calibrate=MARGINS),
    "raked_home_fpc": dict(cluster="home", population=200, calibrate=MARGINS),
    "calib_home_fpc_w": dict(cluster="home", population=200, weight="w", calibrate=MARGINS),
}


@pytest.mark.parametrize("value", ["y", "yes"])
@pytest.mark.parametrize("design", list(DESIGNS))
def test_matches_r_survey(design, value):
    mean, se, low, high, degf, deff_replace = R[f"{design}-{value}"]
    res = survey_mean(DATA, value=value, **DESIGNS[design])
    assert res["mean"] == pytest.approx(mean, abs=TOL)
    assert res["se"] == pytest.approx(se, abs=TOL)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((low, high), abs=TOL)
    assert res["df"] == degf
    # design_effect compares with an SRS of the same sampling fraction f;
    # R's deff = "replace" compares with sampling with replacement: ratio 1 - f.
    assert res["design_effect"] * (1 - res["sampling_fraction"]) == pytest.approx(deff_replace, abs=TOL)
    assert res["n"] == 197
    assert res["n_clusters"] == (115 if "home" in design else 197)


def test_design_effect_matches_r_deff_for_unweighted_fpc_designs():
    # R: deff(svymean(~y, des, deff = TRUE)) = 1 (fpc) and 1.3716673364 (home_fpc);
    # R's reference SRS uses n / sum(weights) as the sampling fraction, which is f here.
    assert survey_mean(DATA, value="y", **DESIGNS["fpc"])["design_effect"] == pytest.approx(1.0, abs=TOL)
    res = survey_mean(DATA, value="y", **DESIGNS["home_fpc"])
    assert res["design_effect"] == pytest.approx(1.3716673364, abs=TOL)
    assert res["sampling_fraction"] == pytest.approx(115 / 200)
    assert res["n_effective"] == pytest.approx(197 / 1.3716673364, rel=1e-8)


def test_rake_with_unequal_starting_weights_follows_calibrate():
    # R's rake() residualises with unweighted category means; calibrate(calfun = "raking")
    # with the design-weighted regression of the calibration theory. Same weights, so the
    # same mean; survey_mean's SE is calibrate()'s, not rake()'s:
    # rake(svydesign(ids = ~home, weights = ~w, fpc = ~N_homes, data = d), list(~tenure, ~age),
    #      pop, control = ctl): svymean(~y, .) 3.457196416994, SE 0.046256925891
    res = survey_mean(DATA, value="y", **DESIGNS["calib_home_fpc_w"])
    assert res["mean"] == pytest.approx(3.457196416994, abs=TOL)
    assert res["se"] == pytest.approx(0.046017452842, abs=TOL)
    assert abs(res["se"] - 0.046256925891) > 1e-4


def test_calibration_is_accounted_for():
    # Raked weights treated as fixed design weights overstate the SE when the outcome
    # depends on the margins. R: d$wr <- weights(designs$raked);
    # svymean(~y, svydesign(ids = ~1, weights = ~wr, data = d)): 3.458122162630, SE 0.065990423255
    raked = survey_mean(DATA, value="y", calibrate=MARGINS)
    weights = ev.rake(DATA, margins=MARGINS)
    naive = mean_ci(DATA["y"], weights=weights)
    assert naive["mean"] == pytest.approx(3.458122162630, abs=TOL)
    assert naive["se"] == pytest.approx(0.065990423255, abs=TOL)
    assert raked["se"] == pytest.approx(0.057979941404, abs=TOL)
    assert raked["se"] < naive["se"]
    # margins as shares (weights then sum to n) describe the same calibration
    shares = {v: {k: t / 360 for k, t in m.items()} for v, m in MARGINS.items()}
    same = survey_mean(DATA, value="y", calibrate=shares)
    assert (same["mean"], same["se"]) == pytest.approx((raked["mean"], raked["se"]), abs=1e-10)


def test_logit_interval_matches_svyciprop():
    # R: svyciprop(~yes, designs$home_fpc, method = "logit"): 0.467005076149637,
    #   2.5% 0.419174324220698, 97.5% 0.515450140357475 (df = degf(design) by default);
    # svyciprop(~yes, designs$raked_home_fpc, method = "logit"): 0.519591501451083,
    #   0.471692581152944 0.567132965191636
    res = survey_mean(DATA, value="yes", interval="logit", **DESIGNS["home_fpc"])
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((0.419174324220698, 0.515450140357475), abs=TOL)
    raked = survey_mean(DATA, value="yes", interval="logit", **DESIGNS["raked_home_fpc"])
    assert (raked["ci_low"], raked["ci_high"]) == pytest.approx((0.471692581152944, 0.567132965191636), abs=TOL)
    assert raked["mean"] == pytest.approx(0.519591501451083, abs=TOL)
    with pytest.raises(ValueError, match="0/1"):
        survey_mean(DATA, value="y", interval="logit")
    allyes = pd.DataFrame({"yes": [1, 1, 1], "home": ["a", "b", "c"]})
    res = survey_mean(allyes, value="yes", cluster="home", interval="logit")
    assert res["mean"] == 1 and np.isnan(res["ci_low"])


def test_missing_values_are_dropped_before_the_design():
    # Complete cases: as svydesign(..., data = subset(d, !is.na(y))).
    # R: d$y[d$home %in% c("h000", "h001")] <- NA
    #    SE(svymean(~y, svydesign(ids = ~home, fpc = ~N_homes, data = subset(d, !is.na(y)))))
    #    = 0.0471156474006 (svymean(~y, <full design>, na.rm = TRUE): 0.0465673241937)
    holes = DATA.assign(y=DATA["y"].where(~DATA["home"].isin(["h000", "h001"])))
    res = survey_mean(holes, value="y", cluster="home", population=200)
    assert res["se"] == pytest.approx(0.0471156474006, abs=TOL)
    assert res["n_clusters"] == 113 and res["df"] == 112
    extra = DATA.iloc[:5].assign(y=np.nan, home=["x1", "x2", "x3", "h000", "x5"])
    with_missing = pd.concat([DATA, extra], ignore_index=True)
    res = survey_mean(with_missing, value="y", **DESIGNS["raked_home_fpc"])
    assert res["se"] == pytest.approx(R["raked_home_fpc-y"][1], abs=TOL)
    assert res["n"] == 197 and res["n_clusters"] == 115


def test_everyone_sampled_gives_zero_width():
    res = survey_mean(DATA, value="y", cluster="home", population=115)
    assert res["se"] == 0 and res["ci_low"] == res["ci_high"] == pytest.approx(res["mean"])


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="115 clusters but `population` is 100"):
        survey_mean(DATA, value="y", cluster="home", population=100)
    with pytest.raises(ValueError, match="at least two sampled clusters"):
        survey_mean(DATA.assign(one="a"), value="y", cluster="one")
    with pytest.raises(KeyError, match="`cluster`='flat'"):
        survey_mean(DATA, value="y", cluster="flat")
    with pytest.raises(ValueError, match="`cluster` is missing for 1"):
        survey_mean(DATA.assign(home=DATA["home"].where(DATA.index != 3)), value="y", cluster="home")
    with pytest.raises(ValueError, match="`weight` must be positive"):
        survey_mean(DATA.assign(w=0.0), value="y", weight="w")
    with pytest.raises(TypeError, match="`value` must be numeric"):
        survey_mean(DATA, value="tenure")
    with pytest.raises(ValueError, match="`interval` must be one of"):
        survey_mean(DATA, value="y", interval="wald")


def test_public_api():
    assert ev.survey_mean is survey_mean
    assert "survey_mean" in ev.__all__
