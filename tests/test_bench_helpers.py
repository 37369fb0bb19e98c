"""The benchmarks' own helpers (never the benchmarks themselves, which run on demand only).

The generated project of ``benchmarks/bench_qdpx.py`` reads back with exactly the codings it
says it wrote, and ``benchmarks/run_all.py`` turns results into table rows and strict JSON.
"""
from __future__ import annotations

import importlib.util
import json
import math
import warnings
from pathlib import Path

import pytest

from evaluation.readers.codings import read_codings

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_qdpx_reads_back_as_written(tmp_path):
    bench = _load("bench_qdpx")
    written = bench.write_project(tmp_path / "p.qdpx", documents=12, codings=600, chars=3000, seed=5)
    assert (written["documents"], written["codings"]) == (12, 600)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a well-formed project: no warning at all
        codings = read_codings(tmp_path / "p.qdpx")
    seg = codings.segments
    assert len(seg) == written["segments"]
    assert len(codings.codebook) == written["codes"]
    assert (codings.info["position_unit"], codings.info["position_unit_decided"]) == ("utf16", "detected")
    texts = dict(zip(codings.documents["document"], codings.documents["text"]))
    assert all(t == texts[d][s:e] for d, s, e, t in zip(seg["document"], seg["start"], seg["end"], seg["text"]))


def test_run_all_rows_table_and_json(tmp_path):
    run_all = _load("run_all")
    assert run_all.parse_only(None) == list(run_all.BENCHES)
    assert run_all.parse_only("agreement, qdpx") == ["agreement", "qdpx"]
    assert run_all.parse_only(["qdpx", "compare"]) == ["compare", "qdpx"]
    with pytest.raises(SystemExit, match="unknown benchmark"):
        run_all.parse_only("qdpxx")
    agreement = {"rows": [{"coders": 20, "units": 100_000, "level": "nominal", "difference": 1e-14, "equal": True,
                           "time_ratio_to_peer": 0.8, "meets_goal": True,
                           "evaluation": {"seconds": 0.08, "rss_growth_bytes": 1.5e8}, "peer": {"seconds": 0.1}}]}
    qdpx = {"project": {"documents": 2000, "codings": 200_000, "file_bytes": 51e6, "xml_bytes": 50e6},
            "seconds": 6.0, "floor_seconds": 2.5, "peak_rss_bytes": 7.8e8, "meets_goal": True, "correct": True}
    rows = (run_all.rows_agreement(agreement) + run_all.rows_qdpx(qdpx)
            + run_all.rows_of("report", {"returncode": 2}))
    assert [r["met"] for r in rows] == [True, True, None]
    assert rows[0]["ratio"] == pytest.approx(0.8) and rows[1]["ratio"] == pytest.approx(2.4)
    table = run_all.format_table(rows).splitlines()
    assert [c.strip() for c in table[0].split(" | ")] == [
        "work", "package", "peer/floor", "ratio", "peak memory", "goal", "met?"]
    assert len(table) == 5 and all(line == line.rstrip() for line in table)
    assert "0.800x" not in table[2] and "0.80x" in table[2] and "did not run (exit 2)" in table[4]
    text = json.dumps(run_all._finite({"rows": rows}))
    assert "NaN" not in text and json.loads(text)["rows"][2]["ratio"] is None
    assert math.isnan(rows[2]["ratio"])
