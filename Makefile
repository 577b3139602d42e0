# Knoppen: `make run` to try it, `make test` to test it. Both set themselves up.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The suite runs in a process per core (pytest-xdist), a test file to a process: each has its
# own test database and Redis prefix (tests/parallel.py). TEST_PROCESSES=0 runs it in one.
TEST_PROCESSES ?= auto

.PHONY: run test setup pip-check lock lint messages clean

NO_VENV := "Could not make a virtualenv with pip: on Debian or Ubuntu, install python3-venv (sudo apt install python3-venv), then run make again."

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Knoppen needs Python 3.11 or newer (set PYTHON=...)."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo $(NO_VENV); exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

# A virtualenv left half-made (no pip: python3-venv was missing) is made again.
pip-check: | $(BIN)/python
	@$(BIN)/python -m pip --version > /dev/null 2>&1 || \
		{ rm -rf $(VENV); echo $(NO_VENV); exit 1; }

# What the app needs (make run), and the test tools besides (make test): the versions in
# the lock files, each checked against its hash; then Knoppen itself. `make lock` renews them.
$(VENV)/.app: pyproject.toml requirements/app.txt | pip-check
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/app.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed: pyproject.toml requirements/test.txt | pip-check
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/test.txt
	$(BIN)/python -m pip install --quiet --no-deps -e '.[test]'
	@touch $(VENV)/.app $@

# Renew the lock files from pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --no-header \
		--output-file requirements/app.txt
	uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes \
		--no-header --output-file requirements/test.txt

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.installed node_modules/.installed

run: $(VENV)/.app node_modules/.installed
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py seed_demo
	@echo "Knoppen runs on http://$(HOST):$(PORT)/ — stop it with Ctrl+C."
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: setup
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Needs GNU gettext: refresh the Dutch catalogue from the source and compile it.
messages: setup
	DEBUG=1 $(BIN)/python manage.py makemessages -l nl --no-obsolete --add-location file \
		--ignore '.venv/*' --ignore 'node_modules/*' --ignore 'staticfiles/*'
	DEBUG=1 $(BIN)/python manage.py compilemessages -l nl --ignore '.venv/*'

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles
