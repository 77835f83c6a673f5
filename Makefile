# Samverkan: two commands on a fresh machine (Python 3.11+).
#   make demo   install, migrate, seed the demo data, run the day's scheduled jobs and serve on
#               http://127.0.0.1:5000
#   make test   install and run ruff and the whole test suite

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint translations translations-compile clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations-compile

translations-compile: $(STAMP)
	$(BIN)/pybabel compile -d translations

demo: install
	SAMVERKAN_DEMO=1 $(BIN)/samverkan db upgrade
	SAMVERKAN_DEMO=1 $(BIN)/samverkan seed-demo
	SAMVERKAN_DEMO=1 $(BIN)/samverkan tick
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C stops)"
	SAMVERKAN_DEMO=1 $(BIN)/samverkan run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _ln:1,2 -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -o translations/messages.pot --no-location --sort-output --project=Samverkan .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations

clean:
	rm -rf $(VENV) instance/samverkan.sqlite3*
