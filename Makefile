# Consilium: `make demo` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# PostgreSQL for the second run of the suite; unset TEST_DATABASE_URL and no local server
# means SQLite only.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/consilium
export CONSILIUM_DATA_DIR ?= $(CURDIR)/data

.PHONY: demo test test-sqlite test-postgres lint install messages bench clean

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

test: lint test-sqlite test-postgres

test-sqlite: install
	CONSILIUM_DATA_DIR=$(CURDIR)/data/test-sqlite DATABASE_URL= $(BIN)/pytest

test-postgres: install
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(TEST_DATABASE_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		CONSILIUM_DATA_DIR=$(CURDIR)/data/test-postgres DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest; \
	else \
		echo "PostgreSQL not reachable at $(TEST_DATABASE_URL): skipping the PostgreSQL run"; \
		if [ -n "$$CI" ]; then exit 1; fi; \
	fi

messages: install
	cd consilium && ../$(BIN)/consilium makemessages -l fr -l ru -l vi -l uz -e html,txt,py,svg --no-location -i "*/migrations/*"
	cd consilium && ../$(BIN)/consilium compilemessages

clean:
	rm -rf $(VENV) data
