# Consilium: `make demo` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# PostgreSQL for the second run of the suite; unset TEST_DATABASE_URL and no local server
# means SQLite only.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/consilium
export CONSILIUM_DATA_DIR ?= $(CURDIR)/data

.PHONY: demo test test-sqlite test-postgres lint install messages bench clean mutate

$(BIN)/consilium: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/consilium

demo: install
	$(BIN)/consilium demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite in as many processes as the machine has cores (pytest-xdist), a file to a process
# so a module's fixtures are made once; TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
PARALLEL = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

test: lint test-sqlite test-postgres

test-sqlite: install
	CONSILIUM_DATA_DIR=$(CURDIR)/data/test-sqlite DATABASE_URL= $(BIN)/pytest $(PARALLEL)

test-postgres: install
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(TEST_DATABASE_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		CONSILIUM_DATA_DIR=$(CURDIR)/data/test-postgres DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest $(PARALLEL); \
	else \
		echo "PostgreSQL not reachable at $(TEST_DATABASE_URL): skipping the PostgreSQL run"; \
		if [ -n "$$CI" ]; then exit 1; fi; \
	fi

# Mutation testing of one small critical module against its own tests (never part of `make
# test`: it runs the tests once per mutant). mutmut writes each mutant into the source file in
# place, so nothing else may run from this checkout meanwhile.
# By default the tests run without Django and conftests (seconds a mutant, not minutes), so the
# module and its tests must be pure Python. MUTATE_DJANGO=1 runs them with pytest-django, the
# project's settings and conftests (for the mail gateway's tests): give it one small test file.
# Another module: make mutate MUTATE_PATHS=consilium/... MUTATE_TESTS=tests/...
# After adding tests, MUTATE_AGAIN=1 keeps the last run's kills and tests only the other mutants
# (with the static files the last run collected).
MUTATE_PATHS ?= consilium/registry/toronto.py
MUTATE_TESTS ?= tests/registry/test_toronto.py
MUTATE_DJANGO ?=
MUTATE_AGAIN ?=
# A mutant can loop while growing a list: each test run gets this much memory, then fails
# (bench/mutate_tests.py, which also turns any failure into the status mutmut reads as a kill).
MUTATE_MEMORY_MB ?= 3000
MUTATE_PYTEST_ARGS = -x -q -p no:cacheprovider -p no:xdist \
	$(if $(MUTATE_DJANGO),,-p no:django --noconftest) $(MUTATE_TESTS)
mutate: install
	$(if $(MUTATE_AGAIN),,rm -f .mutmut-cache)
	$(if $(MUTATE_DJANGO),$(if $(MUTATE_AGAIN),,CONSILIUM_DATA_DIR=$(CURDIR)/data/mutate \
		DATABASE_URL= $(BIN)/consilium collectstatic --noinput -v0))
	CONSILIUM_DATA_DIR=$(CURDIR)/data/mutate DATABASE_URL= \
	$(if $(MUTATE_DJANGO),CONSILIUM_TESTS_STATIC_COLLECTED=1) $(BIN)/mutmut run \
		--paths-to-mutate "$(MUTATE_PATHS)" --tests-dir tests --no-progress --simple-output \
		--runner "$(CURDIR)/$(BIN)/python $(CURDIR)/bench/mutate_tests.py $(MUTATE_MEMORY_MB) $(MUTATE_PYTEST_ARGS)" \
		|| true
	$(BIN)/mutmut results

messages: install
	cd consilium && ../$(BIN)/consilium makemessages -l fr -l ru -l vi -l uz -e html,txt,py,svg --no-location -i "*/migrations/*"
	cd consilium && ../$(BIN)/consilium compilemessages

clean:
	rm -rf $(VENV) data
