# Two commands: `make run` serves the demo, `make test` proves it. Python 3.11 is all you need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

# `var` is phony: the directory exists as soon as the SQLite file does, and the broker's
# folders must still be made.
.PHONY: run test lint venv var migrate seed messages worker bench ci clean axe

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

var:
	mkdir -p var/static var/broker/queue var/broker/processed var/broker/control

messages: venv
	$(MANAGE) compilemessages --ignore=.venv --verbosity 0

migrate: venv var
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo --if-empty
	$(MANAGE) seed_demo_history

# Web server, plus a Celery worker with an embedded beat. Without REDIS_URL the broker is
# kombu's filesystem transport under var/broker (no server needed).
run: venv var messages seed
	@echo "Serving on http://$(HOST):$(PORT)/  (login at /accounts/login/; Ctrl-C stops everything)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A jobcenter worker --beat --loglevel=INFO --concurrency=2 \
	    --schedule=var/celerybeat-schedule & \
	$(MANAGE) runserver --noreload $(HOST):$(PORT)

worker: venv var
	$(BIN)/celery -A jobcenter worker --beat --loglevel=INFO --schedule=var/celerybeat-schedule

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=jobcenter.settings.test $(MANAGE) makemigrations --check --dry-run

# axe-core, for the browser tests' accessibility checks, from npm (package-lock.json pins it).
# Without npm nothing happens and those checks skip, saying so (in CI they fail instead).
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	    npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	    echo "npm not found: the accessibility (axe-core) checks will be skipped"; \
	fi

axe: $(AXE)

# Without DATABASE_URL the suite runs on SQLite and skips PostgreSQL-only tests (it says so).
# One pytest-xdist worker per core (PYTEST_WORKERS=0 runs in one process, e.g. to debug).
PYTEST_WORKERS ?= auto
test: venv var lint messages $(AXE)
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

bench: venv
	$(BIN)/python bench/allocation.py

ci:
	.ci/run

clean:
	rm -rf var $(VENV) node_modules
