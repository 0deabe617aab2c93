# The README's two commands are `make run` and `make test`; both install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := wsgi.py
export CRM_CONFIG ?= dev

STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
MO    := crm/translations/zh_Hans_CN/LC_MESSAGES/messages.mo

.PHONY: run test lint format install translations extract-messages screenshots bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

$(MO): crm/translations/zh_Hans_CN/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d crm/translations -D messages --statistics

translations: $(MO)

## Serve the app on SQLite with demo data (http://127.0.0.1:$(PORT)), with the reminder scheduler beside it.
run: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask crm seed-demo --if-empty
	SCAN_INTERVAL_MINUTES=$${SCAN_INTERVAL_MINUTES:-1} $(BIN)/flask crm scheduler & scheduler=$$!; \
	trap "kill $$scheduler 2>/dev/null" EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## Run the test suite (SQLite; set TEST_DATABASE_URL for PostgreSQL).
test: install translations
	$(BIN)/python -m pytest -q

## Benchmarks (not part of `make test`); set BENCH_DATABASE_URL to a scratch PostgreSQL database to run there.
## The dashboard benchmark's scale: BENCH_ENTRIES (100000) and BENCH_LOGS (1000000). The everyday pages' scales:
## BENCH_SCALES (1000,100000 entries, ten contact logs each), seeded in turn (run alone, bench/pages.py takes
## {scale} in BENCH_DATABASE_URL for a database per scale, and --reuse). bench/projects.py: the dashboard and the
## project list with 150,000 projects (BENCH_ENTRIES × 1.5) beside the figures before projects; bench/migrate_check.py:
## the projects migration up, down and up on that campaign built at the revision before it. bench/pages.py measures
## BENCH_BASELINE (the revision before issue 16) first, in a worktree on databases of its own, and prints both.
BENCH_BASELINE ?= 84052e3
bench: install translations
	$(BIN)/python bench/reminders.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/pages.py --baseline $(BENCH_BASELINE)
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/projects.py
	$(BIN)/python bench/migrate_check.py
	$(BIN)/python bench/chains.py

## Load test (not part of `make bench`): gunicorn on PostgreSQL (a cluster of its own, 15/load on port 5433, run as
## root) under 50 locust users for 5 minutes, then the framework floor: bench/results/load.json. Locust lives in
## .venv-load. LOAD_ARGS="--restart-db" restarts PostgreSQL under load instead (bench/results/load-restart.json).
.PHONY: load
load: install translations
	$(BIN)/python bench/load/run.py $(LOAD_ARGS)

## Re-take the README's screenshots with the browser tests.
screenshots: install translations
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/e2e

## Lint: ruff (style), import-linter (the layers of docs/ARCHITECTURE.md, contracts in pyproject.toml) and mypy
## (types; its strictness is stated in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Re-extract user-visible strings into the catalog (then translate the new msgids).
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o crm/translations/messages.pot .
	$(BIN)/pybabel update -i crm/translations/messages.pot -d crm/translations -l zh_Hans_CN --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance/*.db
