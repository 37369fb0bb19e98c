"""Shared fixtures: seeded randomness, closed figures, and a throw-away copy of the
example study (config + freshly generated raw files) so tests never touch the
checkout's data/ or reports/ folders."""
from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEMO_STUDY = "config/studies/noorderbeekdwarsstraat-demo.yml"


@pytest.fixture
def rng():
    return np.random.default_rng(20240501)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def make_demo_project(base: Path) -> Path:
    """Copy config/ into ``base``, generate the example study's raw files there; return the study path."""
    from evaluation.demo import generate_demo

    shutil.copytree(ROOT / "config", base / "config")
    for sub in ("data/raw", "data/processed", "reports"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    (base / "pyproject.toml").write_text("# marks the project root for the tests\n")
    study = base / DEMO_STUDY
    generate_demo(out_dir=base / "data/raw/noorderbeekdwarsstraat-demo")
    return study


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory) -> Path:
    """A session-wide demo project (do not modify its raw files)."""
    return make_demo_project(tmp_path_factory.mktemp("demo-project"))


@pytest.fixture(scope="session")
def imported_demo(demo_project):
    """The demo project after import; returns the loaded Study."""
    import evaluation as ev

    ev.import_study(demo_project, progress=False)
    return ev.load_study(demo_project)
