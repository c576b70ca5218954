# Two commands do all set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
SINYAL := $(VENV)/bin/sinyal
# Trained models kept by the fingerprint of their inputs: a second checkout, or CI on this
# machine, reuses one instead of training for a quarter of an hour (see sinyal/runtime/training.py).
export SINYAL_MODEL_CACHE_DIR ?= $(HOME)/.cache/sinyal/models

.PHONY: setup browser run test lint train doctor clean

setup:
	@$(PYTHON) -m sinyal.bootstrap

run: setup
	@$(SINYAL) run

# The full suite (tests/suite.py): lint, types and layers; the tests that need no model while
# the Rasa model trains (progress in var/log/training.log); then those that need it; phase times.
test: setup browser
	@$(VENV)/bin/python -m tests.suite

# Debian's chromium for the Playwright tests (installed with apt-get when run as root).
browser:
	@$(PYTHON) -m sinyal.bootstrap --browser

lint: setup
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check sinyal actions scrapers tests
	@$(VENV)/bin/mypy
	@$(VENV)/bin/lint-imports --no-cache

train: setup
	@$(SINYAL) train

doctor: setup
	@$(SINYAL) doctor

clean:
	rm -rf $(VENV) bot/.venv bot/models var
