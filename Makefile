# Two commands do all set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
SINYAL := $(VENV)/bin/sinyal

.PHONY: setup browser run test lint train doctor clean

setup:
	@$(PYTHON) -m sinyal.bootstrap

run: setup
	@$(SINYAL) run

# The full suite: lint, types, train (with Rasa's progress shown here rather than captured by
# pytest), then every test including the slow Rasa ones.
# pytest exits 5 when it collected nothing; that must fail, never pass silently.
test: setup browser lint train
	@$(VENV)/bin/pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

# Debian's chromium for the Playwright tests (installed with apt-get when run as root).
browser:
	@$(PYTHON) -m sinyal.bootstrap --browser

lint: setup
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check sinyal actions scrapers tests
	@$(VENV)/bin/mypy

train: setup
	@$(SINYAL) train

doctor: setup
	@$(SINYAL) doctor

clean:
	rm -rf $(VENV) bot/.venv bot/models var
