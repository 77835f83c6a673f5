# Samverkan: two commands on a fresh machine (Python 3.11+).
#   make demo   install, migrate, seed the demo data, run the day's scheduled jobs and serve on
#               http://127.0.0.1:5000
#   make test   install and run ruff and the whole test suite
#   make bench  load benchmark at municipal scale on PostgreSQL (SCALE=1; docs/benchmarks.md)
#   make fuzz   a longer schemathesis campaign against the API (FUZZ_EXAMPLES=50), with counts

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed
# axe-core and the Nu HTML Checker (vnu.jar), from the npm registry, for the browser tests
TOOLS_STAMP := tests/tools/node_modules/.installed

.PHONY: demo test bench fuzz install test-tools lint translations translations-compile clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations-compile

test-tools: $(TOOLS_STAMP)

$(TOOLS_STAMP): tests/tools/package.json tests/tools/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/tools --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "npm is missing: the accessibility and HTML validity checks will be skipped"; \
	fi

translations-compile: $(STAMP)
	$(BIN)/pybabel compile -d translations

demo: install
	SAMVERKAN_DEMO=1 $(BIN)/samverkan db upgrade
	SAMVERKAN_DEMO=1 $(BIN)/samverkan seed-demo
	SAMVERKAN_DEMO=1 $(BIN)/samverkan tick
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C stops)"
	SAMVERKAN_DEMO=1 $(BIN)/samverkan run --host 127.0.0.1 --port $(PORT)

test: install test-tools
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

# Recreates the PostgreSQL database samverkan_bench, seeds it at SCALE, serves it with gunicorn
# and drives 8 concurrent clients over loopback. BENCH_ARGS e.g. "--reuse --requests 200".
SCALE ?= 1
BENCH_ARGS ?=
bench: install
	$(BIN)/python tests/bench_load.py --scale $(SCALE) $(BENCH_ARGS)

# schemathesis on every API operation, as the demo API client and with sessions, on the demo
# data: FUZZ_EXAMPLES examples per operation and phase, the coverage and stateful phases on.
# Prints operations, requests, checks and failures by check. Add the SAMVERKAN_TEST_* variables
# for PostgreSQL + Redis.
FUZZ_EXAMPLES ?= 50
fuzz: install
	SAMVERKAN_FUZZ_CAMPAIGN=1 SAMVERKAN_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
	  $(BIN)/pytest tests/test_api_fuzz.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _ln:1,2 -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -o translations/messages.pot --no-location --sort-output --project=Samverkan .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations

clean:
	rm -rf $(VENV) instance/samverkan.sqlite3* tests/tools/node_modules
