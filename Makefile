# Two entry points for a fresh machine (Python 3.11 with venv, a C/C++ compiler, make):
#   make demo   set everything up, then run both embedded CPU models over a shipped set
#   make test   set everything up, then run the test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup demo test browser

setup: $(VENV)/.installed

# llama-cpp-python compiles llama.cpp from source (about 8 minutes on 2 cores; pip caches the wheel).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/python -m pip install -e '.[embedded,dev]'
	touch $@

demo: setup
	$(BIN)/workbench run --model smollm2-135m --model gemma3-270m --evalset smoke-en

# The report test drives Debian's chromium through playwright (never `playwright install`).
browser:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

test: setup browser
	$(BIN)/python -m pytest -ra
