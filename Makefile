# One-command entry points. `make chat` and `make test` work on a fresh machine:
# they create .venv, install chatcore with its built-in plugins, and go.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: setup chat test lint bench services
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml examples/chatcore-http/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# the example third-party plugin, installed as its own package (its tests run with ours)
	$(BIN)/python -m pip install --quiet --no-build-isolation -e examples/chatcore-http
	touch $@

# Trains the default model on the bundled corpus the first time, then opens the chat.
chat: setup
	$(BIN)/chatcore train --if-missing
	$(BIN)/chatcore chat

services:
	command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server; }

test: setup services
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python -m bench
