# One-command entry points. Every target installs what it needs first; the install
# step is skipped while .venv is newer than pyproject.toml, so reruns are fast.

PYTHON_BOOTSTRAP ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.install-stamp

.PHONY: install run test bench lint migrate clean-data

install: $(STAMP)

# The stamp lives inside .venv so that deleting .venv also forces a reinstall.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(PY) server.py serve

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) -m bench

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy server.py domain projections infra schema demo bench tests

# Applies migrations/ to DATABASE_URL, or to the embedded server in .data/ when unset.
migrate: install
	$(PY) -m infra.migrate

clean-data:
	rm -rf .data
