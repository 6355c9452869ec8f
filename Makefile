# `make smoke` and `make test` create or reuse .venv/ themselves; only python3 (>= 3.10) and make are needed.
# smoke installs what the smoke run needs (the package + the embedded extra: a real LiteLLM);
# every other target installs the dev extra (the tests' and linters' tools) on top.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
SMOKE_STAMP := $(VENV)/.installed-embedded
DEV_STAMP := $(VENV)/.installed-dev
PYTEST_ARGS ?=
# pip's output, one short line per package as it comes (.ci/pip_progress.py), with pip's own exit
# status: make's /bin/sh has no pipefail, so the status goes through a file.
define pip_install
	@( $(PIP) install --progress-bar off -e '$(1)' $(2) 2>&1; echo $$? > $(VENV)/.pip-status ) | $(PY) -u .ci/pip_progress.py
	@status=$$(cat $(VENV)/.pip-status); rm -f $(VENV)/.pip-status; if [ "$$status" != 0 ]; then \
		echo "make: pip install -e '$(1)' $(2) failed (exit $$status); rerun it for the full log: $(PIP) install -e '$(1)' $(2)"; \
		exit $$status; fi
endef

.PHONY: venv smoke test lint images integration mutate bench clean

$(PY):
	@echo "make: creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "make: upgrading pip in $(VENV)"
	$(PIP) install --quiet --upgrade pip

$(SMOKE_STAMP): pyproject.toml | $(PY)
	@echo "make: installing litellm-smoke with the embedded extra (a real LiteLLM proxy) into $(VENV)"
	@echo "make: about 2 min with a warm pip cache on a 2-core machine, longer with an empty one; later runs skip this"
	$(call pip_install,.[embedded])
	@touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	@echo "make: installing litellm-smoke with the dev extra (LiteLLM, Postgres driver, testcontainers, linters) into $(VENV)"
	@echo "make: about 3 min with a warm pip cache on a 2-core machine, longer with an empty one; later runs skip this"
	$(call pip_install,.[dev],--group dev)
	@touch $@ $(SMOKE_STAMP)

## venv: create or update .venv with the dev extra (what test, lint and bench do first)
venv: $(DEV_STAMP)

## smoke: the smoke checks against LITELLM_BASE_URL, or the embedded default when it is unset
smoke: $(SMOKE_STAMP)
	@case "$$LITELLM_BASE_URL $(PYTEST_ARGS)" in " "*) case "$(PYTEST_ARGS)" in *--offline*) ;; \
		*) echo "make: no LITELLM_BASE_URL: starting the embedded default first (a local LiteLLM, 10-25 s)";; esac;; esac
	$(PY) -m pytest -m smoke $(PYTEST_ARGS)

## test: the project's own tests (unit, self-tests, launchers, database), with a coverage floor
COVERAGE_FLOOR ?= 85
test: $(DEV_STAMP)
	$(PY) -m coverage run -m pytest -m "not smoke" $(PYTEST_ARGS)
	$(PY) -m coverage report --fail-under=$(COVERAGE_FLOOR)

## lint: ruff, mypy (src strict, tests, benchmarks), the import contracts (layers), actionlint
lint: $(DEV_STAMP)
	$(PY) -m ruff check src tests benchmarks scripts
	$(PY) -m ruff format --check src tests benchmarks scripts
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/actionlint

## mutate: mutation testing of the checks, the redactor and the verdict (slow: docs/mutation.md)
mutate: $(DEV_STAMP)
	$(PIP) install --quiet -e '.[mutation]'
	$(PY) scripts/mutate.py

## images: build or reuse the integration tier's local images (root + a Docker engine; docs/integration.md)
images:
	docker/build-images.sh

## integration: LiteLLM and PostgreSQL in Docker; skips without Docker unless CI_REQUIRE_DOCKER=1
integration: $(DEV_STAMP)
	$(PY) -m pytest -m integration -ra $(PYTEST_ARGS)

bench: $(DEV_STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info
