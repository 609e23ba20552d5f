# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
STAMP_RUN := $(VENV)/.installed-run
INSTALL_LOG := $(VENV)/install.log
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format deps deps-run system-deps system-deps-browser argon2-native migrate demo messages bench topology-up topology-down topology-test chaos-test clean

# pip's output goes to a log that is shown only when an install fails.
pip_install = $(PIP) install --disable-pip-version-check --quiet $(1) >$(INSTALL_LOG) 2>&1 || { cat $(INSTALL_LOG); exit 1; }

$(PY):
	@echo "Creating $(VENV) and installing the portal (a minute or two the first time) ..."
	@$(PYTHON) -m venv $(VENV)
	@$(call pip_install,--upgrade pip setuptools wheel)

# Serving needs the portal's own dependencies; the tests add theirs (pytest, Playwright, ruff ...).
$(STAMP_RUN): pyproject.toml | $(PY)
	@$(call pip_install,-e .)
	@touch $(STAMP_RUN)

$(STAMP): pyproject.toml | $(PY)
	@$(call pip_install,-e ".[test]")
	@touch $(STAMP) $(STAMP_RUN)

deps: $(STAMP)

deps-run: $(STAMP_RUN)

system-deps:
	@./scripts/system-deps.sh

system-deps-browser:
	@./scripts/system-deps.sh --browser

# Argon2 compiled for this machine's CPU (AVX2 and up) instead of the portable SSE2 wheel: one password check
# takes about 11 ms instead of 19 with the same parameters and the same hashes (bench/auth_bench.py). Run it on
# the servers that serve logins, after `make deps-run`: the library built here stops with an illegal instruction
# on a CPU without these instructions. `make deps` does not undo it; a new virtualenv does.
argon2-native: deps-run
	@./scripts/system-deps.sh --native
	@CFLAGS="-O3 -march=native" $(call pip_install,--no-binary argon2-cffi-bindings --no-deps --force-reinstall --no-cache-dir argon2-cffi-bindings==$$($(PY) -c "from importlib.metadata import version; print(version('argon2-cffi-bindings'))"))

migrate: deps-run
	@$(PY) manage.py migrate --noinput -v 0

# The portal's own address: printed with the demo accounts and encoded in the forms' QR codes.
SITE_URL ?= http://$(HOST):$(PORT)

demo: migrate
	@RUANZHU_SITE_URL=$(SITE_URL) LOG_LEVEL=WARNING $(PY) manage.py demo_data
	@$(PY) manage.py signing_key

## Serve the portal on http://127.0.0.1:8000 (HOST, PORT) with embedded SQLite, in-process tasks and demo accounts.
## Beside the server, run_schedule runs the periodic tasks (reminders, 视为撤回 past a correction deadline).
run: system-deps demo
	@$(PY) manage.py compilemessages --ignore=.venv -v 0
	@echo "Serving on $(SITE_URL) — press Ctrl+C to stop."
	@export DJANGO_DEBUG=1 RUANZHU_SITE_URL=$(SITE_URL); \
	$(PY) manage.py run_schedule & schedule=$$!; \
	trap 'kill $$schedule 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (browser tests included) on SQLite, or on PostgreSQL when DATABASE_URL is set.
test: system-deps-browser deps
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PY) -m pytest $(PYTEST_ARGS)

## The production topology on loopback (nginx, two gunicorn, two Celery workers, beat, Redis, S3, SMS sink,
## PostgreSQL database ruanzhu_topology): scripts/topology.sh; its env for tests and benchmarks in
## var/topology/topology.env.
topology-up: deps
	@./scripts/topology.sh up

topology-down:
	@./scripts/topology.sh down

## End-to-end proofs over HTTPS through nginx; uses a running topology or brings one up (and down) itself.
topology-test: deps
	$(PY) -m pytest -m "topology and not chaos" -p no:cacheprovider tests/topology $(PYTEST_ARGS)

## The fault proof: kill -9 of web and worker processes and a Redis restart under load (about 6 minutes).
chaos-test: deps
	$(PY) -m pytest -m chaos -p no:cacheprovider -s tests/topology/test_chaos.py $(PYTEST_ARGS)

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
