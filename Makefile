# One-command entry points. `make chat` and `make test` work on a fresh machine:
# they create .venv, install chatcore with every built-in plugin's extra ([all]) and the test
# tools ([dev]), and go. `make test-fast` is the quick loop while editing (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup chat test test-fast lint bench services browser
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml examples/chatcore-http/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	# the example third-party plugin, installed as its own package (its tests run with ours)
	$(BIN)/python -m pip install --quiet --no-build-isolation -e examples/chatcore-http
	touch $@

# Trains the default model on the bundled corpus the first time, then opens the chat.
chat: setup
	$(BIN)/chatcore train --if-missing
	$(BIN)/chatcore chat

services:
	command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server; }

# Debian's Chromium for the web frontend's browser tests (Playwright drives it; no download),
# and CJK fonts so the screenshots they save show Chinese as text, not boxes
browser:
	command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { \
	  apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk; }

# The suite in TEST_WORKERS processes (pytest-xdist), each test file in one of them so a
# module's trained model is trained once; every process trains its own session fixtures.
TEST_WORKERS ?= 2
test: setup services browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest --numprocesses=$(TEST_WORKERS) --dist=loadfile

# Lint and the suite minus the markers in pyproject.toml (tests/markers.py applies them): no
# redis-server, no TensorFlow (importing it fails, tests/no_tensorflow.py), no pseudo-terminal,
# no subprocess, nothing slow. Under 30 s on 2 cores.
FAST_MARKERS := not (slow or redis or tf or pty or e2e)
test-fast: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -p tests.no_tensorflow -m '$(FAST_MARKERS)'

lint: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup services browser
	$(BIN)/python -m bench
