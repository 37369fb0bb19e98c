"""Evaluation toolkit for area-based resilience pilots.

Import as ``import evaluation as ev``; every public function is reachable from here.
Submodules are imported lazily so that ``import evaluation`` stays fast in a
notebook kernel and in the command line.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> submodule that defines it
_PUBLIC = {
    # study
    "load_study": "config",
    "import_study": "importer",
    "build_report": "report.pipeline",
    "build_reports": "report.pipeline",
    "check_study": "preflight",
    # readers
    "read_survey": "readers.surveys",
    "read_codings": "readers.codings",
    "write_qdpx": "readers.qdpx_writer",
    # survey
    "score_scales": "scales",
    "reliability": "scales",
    "cronbach_alpha": "scales",
    "mcdonald_omega": "scales",
    "paired_test": "stats",
    "independent_test": "stats",
    "proportion_test": "stats",
    "adjust_pvalues": "stats",
    "minimal_detectable_effect": "stats",
    "mean_ci": "stats",
    "proportion_ci": "stats",
    "survey_mean": "design",
    "compare_waves": "compare",
    "change_model": "models",
    "ordinal_change_model": "models",
    "rake": "weights",
    "response_table": "response",
    "effective_n": "weights",
    "attrition_table": "weights",
    "attrition_weights": "weights",
    # interviews
    "apply_coding_frame": "qualitative",
    "code_matrix_segments": "qualitative",
    "drop_direct_identifiers": "privacy",
    "study_results": "report.results",
    "code_frequencies": "qualitative",
    "code_matrix": "qualitative",
    "cooccurrence": "qualitative",
    "framework_matrix": "qualitative",
    "select_quotes": "qualitative",
    # agreement
    "cohen_kappa": "agreement",
    "fleiss_kappa": "agreement",
    "krippendorff_alpha": "agreement",
    "unitizing_alpha": "agreement",
    "gwet_ac1": "agreement",
    "brennan_prediger": "agreement",
    "agreement_by_code": "agreement",
    # synthesis and privacy
    "joint_display": "integrate",
    "suppress_small_cells": "privacy",
    "pseudonymise": "privacy",
    "screen_quote": "privacy",
    "PublishedSet": "disclosure", "intruder_audit": "disclosure", "protect": "disclosure",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    try:
        module = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'evaluation' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
