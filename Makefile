# Self-documenting Makefile: `make help` lists the targets.
# Everything installs into ./.venv from the lock file (uv.lock), so a report can
# be rebuilt later with exactly the same package versions.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
EXAMPLE_STUDY := config/studies/noorderbeekdwarsstraat-demo.yml
STUDY  ?= $(EXAMPLE_STUDY)
LANG_  ?= all
FORMATS ?= html,docx,pdf
STAMP  := $(VENV)/.installed
# Debian/Ubuntu packages outside the venv (installed by `make setup-system`, as root):
# Chromium for the browser tests; Pango (with HarfBuzz, Fontconfig) and fonts, which
# WeasyPrint loads for PDF output; poppler-utils (pdftotext) for the PDF text test.
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils
export UV_COMPILE_BYTECODE := 1
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

.DEFAULT_GOAL := help
.PHONY: help setup setup-system report synthesis check test test-fast demo import lab benchmark lock clean

help: ## Show this list of commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	@echo ">> installing uv $(UV_VERSION) into $(TOOLS)/"
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	@echo ">> creating $(VENV) with the pinned packages from uv.lock"
	@$(UV) sync --locked --extra test --python $(PYTHON) --quiet
	@$(BIN)/python -m ipykernel install --sys-prefix --name evaluation --display-name "Python (evaluation)" >/dev/null
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv with pinned dependencies and the Jupyter kernel "evaluation"

setup-system: ## Install system packages for PDF and browser tests (Debian/Ubuntu, root; skips what is there)
	@command -v dpkg-query >/dev/null 2>&1 || { \
	  echo "setup-system: not a Debian/Ubuntu system; install Chromium and Pango yourself (macOS: brew install pango)"; exit 1; }
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -qx 'install ok installed' || echo "$$p"; done); \
	if [ -z "$$missing" ]; then echo ">> system packages already installed: $(SYSTEM_PACKAGES)"; exit 0; fi; \
	missing=$$(echo $$missing); \
	if [ "$$(id -u)" -ne 0 ]; then \
	  echo "setup-system: installing $$missing needs root: sudo make setup-system"; exit 1; fi; \
	echo ">> installing system packages: $$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null && \
	echo ">> installed: $$missing"

report: setup ## Build the study's learning report in every language (STUDY=..., LANG_=all|nl|en|nl,en, FORMATS=html,docx,pdf; unchanged: skipped, FORCE=1 rebuilds)
	@if [ "$(STUDY)" = "$(EXAMPLE_STUDY)" ]; then $(BIN)/evaluation demo --study $(STUDY) --if-missing; fi
	@$(BIN)/evaluation report --study $(STUDY) --lang $(LANG_) --formats $(FORMATS) $(if $(FORCE),--force)

PROGRAMME ?= config/programmes/veerkracht-programma-demo.yml
DEMO_STREETS := noorderbeekdwarsstraat-demo wilgenkade-demo molenveldstraat-demo
synthesis: setup ## Build the cross-site synthesis report of the three example streets (LANG_=nl|en, FORMATS=...)
	@if [ "$(PROGRAMME)" = "config/programmes/veerkracht-programma-demo.yml" ]; then for s in $(DEMO_STREETS); do \
	  $(BIN)/evaluation demo --study config/studies/$$s.yml --if-missing && \
	  $(BIN)/evaluation results --study config/studies/$$s.yml --quiet || exit 1; done; fi
	@$(BIN)/evaluation synthesis --programme $(PROGRAMME) $(if $(filter-out all,$(LANG_)),--lang $(LANG_)) --formats $(FORMATS)

check: setup ## Preflight a study in seconds: configuration, raw files, columns, margins, interview cases (STUDY=...)
	@$(BIN)/evaluation check --study $(STUDY)

test: setup ## Run the test suite (slow end-to-end tests included)
	@$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: setup ## Run the tests without the slow end-to-end ones
	@$(BIN)/python -m pytest -n 2 -m "not slow"

demo: setup ## (Re)generate the synthetic example study's raw files
	@$(BIN)/evaluation demo

import: setup ## Import the study's raw files into data/processed/
	@$(BIN)/evaluation import --study $(STUDY)

lab: setup ## Open JupyterLab on the notebooks
	@$(BIN)/jupyter lab notebooks/

benchmark: setup ## Time every figure of issue 13 against its peer or floor (BENCH_ONLY=report,import,qdpx,...)
	@$(UV) sync --locked --inexact --extra test --extra bench --python $(PYTHON) --quiet
	@$(BIN)/python benchmarks/run_all.py $(if $(BENCH_ONLY),--only $(BENCH_ONLY))

lock: | $(UV) ## Re-resolve uv.lock after changing dependencies in pyproject.toml
	@$(UV) lock --python $(PYTHON)

clean: ## Remove generated reports and processed data (never data/raw)
	rm -rf reports/*/ data/processed/*/
