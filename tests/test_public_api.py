"""The public surface: every name resolves, has a numpydoc docstring with an example, and the example runs."""
import doctest
import importlib
import os
from pathlib import Path

import pytest

import evaluation as ev

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted({f"evaluation.{m}" for m in ev._PUBLIC.values()} | {
    "evaluation.report.i18n", "evaluation.report.texts", "evaluation.report.narrative", "evaluation.plots",
    "evaluation.readers.surveys", "evaluation.response",
})


@pytest.mark.parametrize("name", ev.__all__)
def test_public_name_documented(name):
    obj = getattr(ev, name)
    doc = obj.__doc__ or ""
    for section in ("Parameters", "Returns", "Examples"):
        assert section in doc, f"ev.{name} docstring lacks a {section} section"


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module, monkeypatch):
    monkeypatch.chdir(ROOT)  # examples may refer to config/ paths
    mod = importlib.import_module(module)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(mod, module) if t.examples]
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {module}"
