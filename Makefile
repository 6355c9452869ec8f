# Both targets create or reuse .venv/ themselves; only python3 and make are needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: venv smoke test lint bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]' --group dev
	@touch $@

## venv: create or update .venv with the dev extra (what every other target does first)
venv: $(STAMP)

## smoke: the smoke checks against LITELLM_BASE_URL, or the embedded default when it is unset
smoke: $(STAMP)
	$(PY) -m pytest -m smoke $(PYTEST_ARGS)

## test: the project's own tests (unit, self-tests, launchers, database, lint), with a coverage floor
COVERAGE_FLOOR ?= 85
test: $(STAMP)
	$(PY) -m coverage run -m pytest -m "not smoke" $(PYTEST_ARGS)
	$(PY) -m coverage report --fail-under=$(COVERAGE_FLOOR)

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m ruff format --check src tests benchmarks
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info
