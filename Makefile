# Closeloop: `make run` serves a demo desk on http://127.0.0.1:8000, `make test` runs the whole suite.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install run test lint test-sqlite test-postgres chromium bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# The server and one worker (it delivers the outbox: with no CLOSELOOP_SMTP_HOST, into var/mail/). Ctrl-C
# stops both: the worker finishes the batch in hand, and neither outlives `make run`.
run: install
	$(BIN)/closeloop demo
	@$(BIN)/closeloop worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/closeloop serve --host 127.0.0.1 --port 8000

# Debian's Chromium for the browser tests (never a downloaded browser build).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's Chromium: sudo apt-get install chromium"; fi; }

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

# Unit and integration tests run in TEST_WORKERS processes (pytest-xdist, one file per process at a time, each
# with its own test database); the browser tests then run in one process, as they share one live server.
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist loadfile

test-sqlite: install chromium
	mkdir -p var/test-results
	$(BIN)/pytest $(XDIST) tests/unit tests/integration --junitxml=var/test-results/sqlite.xml
	$(BIN)/pytest tests/e2e --junitxml=var/test-results/e2e.xml

# The integration suite again on PostgreSQL; required in CI, skipped with a notice elsewhere when unreachable.
test-postgres: install
	mkdir -p var/test-results
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  DATABASE_URL=$(PG_URL) $(BIN)/pytest $(XDIST) tests/integration --junitxml=var/test-results/postgres.xml; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL is not reachable at $(PG_URL) and CI=true: failing"; exit 1; \
	else echo "NOTICE: PostgreSQL not reachable at $(PG_URL): PostgreSQL tests not run"; rm -f var/test-results/postgres.xml; fi

test: lint test-sqlite test-postgres

# Sizes and engines are flags: make bench BENCH_SIZES=10000,100000,1000000 BENCH_ENGINES=postgresql
BENCH_SIZES   ?= 10000,100000
BENCH_ENGINES ?= sqlite,postgresql
bench: install
	$(BIN)/python -m bench --sizes $(BENCH_SIZES) --engines $(BENCH_ENGINES) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
