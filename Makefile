# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format deps system-deps system-deps-browser migrate demo messages bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[test]"
	touch $(STAMP)

deps: $(STAMP)

system-deps:
	./scripts/system-deps.sh

system-deps-browser:
	./scripts/system-deps.sh --browser

migrate: deps
	$(PY) manage.py migrate --noinput

# The portal's own address: printed with the demo accounts and encoded in the forms' QR codes.
SITE_URL ?= http://$(HOST):$(PORT)

demo: migrate
	RUANZHU_SITE_URL=$(SITE_URL) $(PY) manage.py demo_data
	$(PY) manage.py signing_key

## Serve the portal on http://127.0.0.1:8000 (HOST, PORT) with embedded SQLite, in-process tasks and demo accounts.
run: system-deps demo
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	@echo "Serving on $(SITE_URL) — press Ctrl+C to stop."
	DJANGO_DEBUG=1 RUANZHU_SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (browser tests included) on SQLite, or on PostgreSQL when DATABASE_URL is set.
test: system-deps-browser deps
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PY) -m pytest $(PYTEST_ARGS)

lint: deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: deps
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## Extract the UI strings into the English catalogue after changing templates or code.
messages: deps
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=tests --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
