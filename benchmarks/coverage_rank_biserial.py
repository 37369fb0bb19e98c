"""Coverage of the rank-biserial and Cliff's delta confidence intervals on Likert data.

Run on demand (never part of the test suite)::

    .venv/bin/python benchmarks/coverage_rank_biserial.py            # 4000 replications
    .venv/bin/python benchmarks/coverage_rank_biserial.py --reps 2000 --json out.json

Design
------
Two waves of a 5-point item: a latent bivariate normal (before, after) with correlation
``rho`` and a shift ``delta`` of the after wave, cut at −1.5, −0.5, 0.5, 1.5. The paired
differences therefore have many zeros and ties, as survey items do.

Paired (``paired_test(method="wilcoxon")``, 60 pairs): the matched-pairs rank-biserial
correlation is :math:`r = (T_+ - T_-)/(T_+ + T_-)` over the non-zero differences. With
mid-ranks :math:`T_+ = \\#\\{i \\le j: d_i + d_j > 0\\} + \\tfrac12\\#\\{i < j: d_i + d_j = 0\\}`,
so r is the mean of ``sign(d_i + d_j)`` over the n(n+1)/2 Walsh pairs of non-zero
differences. The n diagonal terms carry weight 2/(n+1) → 0, so r estimates

    ρ = P(D₁ + D₂ > 0) − P(D₁ + D₂ < 0),   D₁, D₂ i.i.d. non-zero differences,

the population value of the rank-biserial correlation (zero differences are dropped, so
D is the difference given that it is not 0). ρ is computed exactly from the cell
probabilities of the latent normal (``scipy.stats.multivariate_normal.cdf``) and checked
against a simulation of 10⁷ pairs.

Independent (``independent_test(method="mannwhitney")``, 60 per wave, independent
respondents): Cliff's δ = P(A > B) − P(A < B) for one answer A of the after wave and one
answer B of the before wave, exact from the two marginal distributions.

Each interval covers when ``low <= truth <= high``. Coverage is reported with its Monte
Carlo standard error sqrt(c(1 − c)/R). ``old`` is the interval the package used before
(Fisher's z with the null-hypothesis SE without tie correction, as effectsize), for
comparison.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats as sps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from evaluation.stats import independent_test, paired_test  # noqa: E402

CUTS = np.array([-1.5, -0.5, 0.5, 1.5])
SCENARIOS = [  # (rho, delta)
    (0.5, 0.0), (0.5, 0.3), (0.5, 0.6), (0.3, 0.5), (0.5, 1.0), (0.6, 1.0),
]
N_PAIRS = 60
N_GROUP = 60
SEED = 20240501


def cell_probabilities(rho: float, delta: float) -> np.ndarray:
    """P(before = i, after = j) for the 5 x 5 answer table, from the latent normal."""
    edges = np.r_[-8.0, CUTS, 8.0]
    mvn = sps.multivariate_normal(mean=[0.0, 0.0], cov=[[1.0, rho], [rho, 1.0]])
    cdf = np.array([[mvn.cdf([u, v - delta]) for v in edges] for u in edges])
    return cdf[1:, 1:] - cdf[:-1, 1:] - cdf[1:, :-1] + cdf[:-1, :-1]


def difference_pmf(table: np.ndarray) -> np.ndarray:
    """P(after − before = d) for d = −4..4."""
    pmf = np.zeros(9)
    for i in range(5):
        for j in range(5):
            pmf[j - i + 4] += table[i, j]
    return pmf


def rank_biserial_truth(pmf: np.ndarray) -> float:
    values = np.arange(-4, 5)
    keep = values != 0
    p, v = pmf[keep] / pmf[keep].sum(), values[keep]
    return float(p @ np.sign(v[:, None] + v[None, :]) @ p)


def cliffs_delta_truth(table: np.ndarray) -> float:
    after, before = table.sum(axis=0), table.sum(axis=1)
    values = np.arange(5)
    return float(after @ np.sign(values[:, None] - values[None, :]) @ before)


def latent_answers(rng, n: int, rho: float, delta: float) -> tuple[np.ndarray, np.ndarray]:
    z = rng.multivariate_normal([0.0, delta], [[1.0, rho], [rho, 1.0]], size=n)
    answers = np.searchsorted(CUTS, z).astype(float)
    return answers[:, 0], answers[:, 1]


def simulated_truth(rho: float, delta: float, draws: int = 10_000_000) -> float:
    """ρ from 10⁷ simulated pairs (empirical pmf of the difference), to check the exact value."""
    rng = np.random.default_rng(SEED + 1)
    counts = np.zeros(9)
    for _ in range(draws // 1_000_000):
        before, after = latent_answers(rng, 1_000_000, rho, delta)
        counts += np.bincount((after - before + 4).astype(int), minlength=9)
    return rank_biserial_truth(counts / counts.sum())


def old_ci(r: float, n_nonzero: int, confidence: float = 0.95, *, cliff_sizes=None) -> tuple[float, float]:
    """The previous interval: Fisher's z with the untied null SE used as the SE of atanh(r)."""
    z = sps.norm.ppf(1 - (1 - confidence) / 2)
    if cliff_sizes is None:
        n = n_nonzero
        se = np.sqrt((2 * n**3 + 3 * n**2 + n) / 6) / (n * (n + 1) / 2)
    else:
        na, nb = cliff_sizes
        se = np.sqrt((na + nb + 1) / (3 * na * nb))
    centre = np.arctanh(np.clip(r, -1 + 1e-15, 1 - 1e-15))
    return float(np.tanh(centre - z * se)), float(np.tanh(centre + z * se))


def coverage(hits: int, reps: int) -> dict:
    c = hits / reps
    return {"coverage": c, "mc_se": float(np.sqrt(c * (1 - c) / reps))}


def run(reps: int) -> dict:
    rows = []
    for rho, delta in SCENARIOS:
        table = cell_probabilities(rho, delta)
        pmf = difference_pmf(table)
        truth = rank_biserial_truth(pmf)
        truth_sim = simulated_truth(rho, delta)
        truth_delta = cliffs_delta_truth(table)
        rng = np.random.default_rng(SEED)
        hit = {"rank_biserial": 0, "rank_biserial_old": 0, "cliffs_delta": 0, "cliffs_delta_old": 0}
        estimates, deltas, lengths = [], [], []
        t0 = time.perf_counter()
        for _ in range(reps):
            before, after = latent_answers(rng, N_PAIRS, rho, delta)
            nonzero = int(np.sum(after != before))
            if nonzero == 0:
                continue  # no test (probability ~1e-20 here)
            res = paired_test(before, after, method="wilcoxon")
            r = res["effect_size"]
            estimates.append(r)
            lengths.append(res["effect_ci_high"] - res["effect_ci_low"])
            hit["rank_biserial"] += res["effect_ci_low"] <= truth <= res["effect_ci_high"]
            lo, hi = old_ci(r, nonzero)
            hit["rank_biserial_old"] += lo <= truth <= hi
            # independent waves: different respondents
            b_only, _ = latent_answers(rng, N_GROUP, rho, delta)
            _, a_only = latent_answers(rng, N_GROUP, rho, delta)
            ind = independent_test(a_only, b_only, method="mannwhitney")
            deltas.append(ind["effect_size"])
            hit["cliffs_delta"] += ind["effect_ci_low"] <= truth_delta <= ind["effect_ci_high"]
            lo, hi = old_ci(ind["effect_size"], 0, cliff_sizes=(N_GROUP, N_GROUP))
            hit["cliffs_delta_old"] += lo <= truth_delta <= hi
        row = {
            "rho": rho, "delta": delta, "p_zero_difference": float(pmf[4]),
            "truth_rank_biserial": truth, "truth_rank_biserial_simulated_1e7": truth_sim,
            "mean_rank_biserial": float(np.mean(estimates)),
            "mean_ci_length_rank_biserial": float(np.mean(lengths)),
            "truth_cliffs_delta": truth_delta, "mean_cliffs_delta": float(np.mean(deltas)),
            "seconds": time.perf_counter() - t0,
        } | {name: coverage(h, reps) for name, h in hit.items()}
        rows.append(row)
        print(f"rho={rho:.1f} delta={delta:.1f}  P(D=0)={pmf[4]:.3f}  truth r={truth:+.4f} "
              f"(10^7 sim {truth_sim:+.4f}, mean r {row['mean_rank_biserial']:+.4f})  "
              f"truth delta={truth_delta:+.4f}")
        for name in hit:
            c = row[name]
            print(f"    {name:<20} coverage {c['coverage']:.4f} ± {c['mc_se']:.4f}")
    return {
        "reps": reps, "seed": SEED, "n_pairs": N_PAIRS, "n_per_group": N_GROUP, "confidence": 0.95,
        "cuts": CUTS.tolist(), "python": platform.python_version(), "scenarios": rows,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=4000)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/coverage_rank_biserial.json")
    args = parser.parse_args(argv)
    out = run(args.reps)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
