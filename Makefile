# The README's two commands: `make demo` and `make test`; each installs first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LANTIAN := $(VENV)/bin/lantian
STAMP := $(VENV)/.installed
# The classifier modules mypyc compiles (setup.py's COMPILED): an edit to one rebuilds them,
# so a stale build never shadows its source (classifiers/native.py refuses one if it would).
COMPILED := $(shell sed -n 's/^ *"\(classifiers\/[a-z_]*\.py\)",$$/\1/p' setup.py)
NATIVE := $(VENV)/.compiled
# Each build starts from no extensions: a module taken off the list must not leave its old
# one behind (it would import against a shared library that no longer holds it).
DROP_NATIVE := rm -f classifiers/*.so classifiers__mypyc*.so

.PHONY: install demo test check lint typecheck bench migration clean

install: $(STAMP) $(NATIVE)

$(STAMP): pyproject.toml setup.py scripts/install-browser.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(DROP_NATIVE)
	$(PY) -m pip install --quiet -e '.[dev]'
	bash scripts/install-browser.sh $(PY)
	@touch $(STAMP) $(NATIVE)

$(NATIVE): $(COMPILED) | $(STAMP)
	$(DROP_NATIVE)
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(NATIVE)

demo: install
	$(LANTIAN) demo

test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy lantian classifiers evidence store crawler campaigns spiders api takedown sandbox scripts/import_contracts.py

check: lint typecheck test

bench: install
	$(LANTIAN) bench classify
	$(LANTIAN) bench crawl
	$(LANTIAN) bench capture
	$(LANTIAN) bench api

# Pre-release: regenerate the initial revision from store/models.py.
migration: install
	$(PY) -m store.migrations.regenerate

clean:
	rm -rf var/ .pytest_cache
