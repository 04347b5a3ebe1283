# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint format messages compilemessages e2e clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changes: a second `make run` starts in seconds.
$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt constraints.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

compilemessages: $(STAMP)
	@$(BIN)/pybabel compile --domain django --directory locale --use-fuzzy --statistics 2>&1 | grep -v '^$$' || true
	@test -f locale/fr/LC_MESSAGES/django.mo

# make passes only SIGTERM on to this recipe; config.run notices a SIGINT or SIGHUP sent
# to make alone (or make's death) itself, and stops everything.
run: $(STAMP) compilemessages
	$(BIN)/python -m config.run

# The suite on two processes (pytest-xdist; whole files to each, see pyproject.toml): under
# half the serial time on two cores. TEST_WORKERS=0 runs it in this process alone.
TEST_WORKERS ?= 2

test: $(STAMP) compilemessages
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

e2e: $(STAMP) compilemessages
	$(BIN)/python -m pytest -m e2e -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Serial, always: figures measured beside another test process would mean nothing.
bench: $(STAMP) compilemessages
	$(BIN)/python -m pytest tests/benchmarks -p no:cacheprovider -s --benchmarks $(PYTEST_ARGS)

# The layers of docs/architecture.md: .importlinter declares them, lint-imports checks them.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Needs GNU gettext (xgettext) on a developer machine; the build itself only compiles.
messages: $(STAMP)
	EMBEDDED_SERVERS=1 $(BIN)/python manage.py makemessages --locale fr --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --no-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
