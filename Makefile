# Two entry points for a fresh machine (Python 3.11 with venv, a C/C++ compiler, make):
#   make demo   set everything up, then run both embedded CPU models over a shipped set
#   make test   set everything up, then run the test suite
#   make ui     the browser workbench on 127.0.0.1:7860; make notebooks: JupyterLab on 127.0.0.1
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup demo test browser postgres ui notebooks fuzz

setup: $(VENV)/.installed

# llama-cpp-python compiles llama.cpp from source (about 8 minutes on 2 cores; pip caches the wheel).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/python -m pip install -e '.[embedded,notebooks,dev]'
	touch $@

demo: setup
	$(BIN)/workbench run --model smollm2-135m --model gemma3-270m --evalset smoke-en

ui: setup
	$(BIN)/workbench ui --host 127.0.0.1 --port 7860

# No news feed and no update check: JupyterLab fetches nothing from outside the machine.
notebooks: setup
	$(BIN)/jupyter lab --ip 127.0.0.1 --no-browser --LabApp.news_url=None \
	    --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/

# The report and UI tests drive Debian's chromium through playwright (never `playwright install`).
browser:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

# The team-store test runs a throwaway PostgreSQL cluster from Debian's server binaries
# (/usr/lib/postgresql/<major>/bin; the package also creates the `postgres` user it runs as).
postgres:
	@for bin in /usr/lib/postgresql/*/bin; do test -x "$$bin/initdb" && test -x "$$bin/pg_ctl" && exit 0; done; \
	    apt-get update && apt-get install -y postgresql

test: setup browser postgres
	$(BIN)/python -m pytest -ra

# Every loader of user input fed 20000 mutated files (bench/fuzz_loaders.py --cases N); exits 1 on any traceback.
fuzz: setup
	$(BIN)/python bench/fuzz_loaders.py
