# Two commands: `make run` (embedded: SQLite, eager Celery) and `make test` (PostgreSQL + Redis).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

export TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lixiong
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint format bench messages check-services chromium load-tools

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

check-services: $(STAMP)
	@$(PY) scripts/check_services.py

chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) check-services chromium
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true \
	  $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=".venv/*" --ignore="staticfiles/*" --ignore="bench/*"
	$(PY) scripts/sync_zh_catalogue.py
	$(PY) manage.py compilemessages --ignore=.venv

# The bench's own database and Redis database: it builds a 200,000-booking community there
# once (about a minute) and reuses it. BENCH_ARGS: e.g. --tree /tmp/old-checkout, --rebuild.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/lixiong_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14

load-tools:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the bench..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	@command -v pgbench >/dev/null 2>&1 || { \
	  echo "The bench needs pgbench (Debian: the postgresql package that runs the server)."; \
	  exit 1; }

bench: $(STAMP) check-services load-tools
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/bench.py $(BENCH_ARGS)
