# Two commands a new machine needs: `make run` and `make test`.
# Everything else installs itself into .venv on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The exact versions the tests ran with, hashes included (make lock renews them).
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: install run test test-postgres lint format bench lock clean

$(STAMP): pyproject.toml $(DEV_LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Run a whole meeting on this machine (SQLite, simulated receiver).
run: $(STAMP)
	$(BIN)/alv run

## Run every test on SQLite (PostgreSQL: make test-postgres).
test: $(STAMP)
	$(BIN)/pytest

## The database tests again, on PostgreSQL (fresh databases per run).
test-postgres: $(STAMP)
	ALV_TEST_POSTGRES_URL=$(POSTGRES_URL) $(BIN)/pytest -m db

## Every benchmark on SQLite and PostgreSQL, one table beside the goals (~30 min).
bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy services hardware alv

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## After changing dependencies in pyproject.toml: pin the newest versions that
## fit, with their hashes (uv computes the lock; pip installs from it).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
		--generate-hashes --output-file $(LOCK)
	$(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
		--generate-hashes --extra dev --constraint $(LOCK) --output-file $(DEV_LOCK)

clean:
	rm -rf $(VENV) data test-artifacts .pytest_cache .mypy_cache .ruff_cache
