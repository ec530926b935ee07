# fastmicro developer tasks.
#
#   make serve   set up .venv and serve examples/showcase on http://127.0.0.1:5000
#   make test    set up .venv and run the whole suite on both backends
#   make bench   run benchmarks/compare.py
#   make bench-check   throughput + instruction-count guards against the baselines
#   make bench-report  regenerate docs/performance.md and its chart
#   make docs    build the HTML documentation into docs/_build/html
#   make clean   remove the venv and every build product
#
# The venv is (re)built when pyproject.toml, setup.py or ext/*.pyx change.

SHELL := /bin/bash

# python3.11 if it exists, else python3 (override: make PYTHON=/path/to/python).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.fastmicro-installed
PYX    := $(wildcard ext/*.pyx)

# The first test run must be on the compiled backend whenever a C compiler is
# there (tests/test_speedups.py fails under FASTMICRO_EXPECT_COMPILED=1 when it
# is not). Without a compiler the package installs pure-Python and this is
# left empty. Override with `make test EXPECT_COMPILED=`.
EXPECT_COMPILED ?= $(if $(shell command -v $${CC:-cc} 2>/dev/null),1,)

HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: venv serve test bench bench-check bench-report docs clean

venv: $(STAMP)

$(STAMP): pyproject.toml setup.py $(PYX)
	@test -n "$(PYTHON)" || { echo "make: no python3.11 or python3 on PATH" >&2; exit 1; }
	test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --upgrade pip
	@# Build requirements also live in the venv: tests/test_build.py builds
	@# wheels with --no-build-isolation, and the in-place fallback below needs them.
	$(VPY) -m pip install --upgrade "setuptools>=68" "Cython>=3.0" wheel
	@# Stale modules (e.g. of a removed .pyx) must not survive a rebuild.
	rm -f fastmicro/_ext/*.so
	$(VPY) -m pip install -e ".[test,bench]"
	@# The editable install compiles ext/*.pyx into fastmicro/_ext/. Should a
	@# setuptools not copy them in place, build them in place directly.
	@if [ -n "$(PYX)" ] && [ -z "$$FASTMICRO_NO_EXTENSIONS" -o "$$FASTMICRO_NO_EXTENSIONS" = 0 ] \
	    && ! ls fastmicro/_ext/*.so >/dev/null 2>&1; then \
	    echo "make: no compiled module in fastmicro/_ext after pip install -e; running build_ext --inplace"; \
	    $(VPY) setup.py build_ext --inplace; \
	fi
	$(VPY) -m fastmicro --version
	touch $@

serve: venv
	FASTMICRO_RUN_HOST=$(HOST) FASTMICRO_RUN_PORT=$(PORT) $(VPY) examples/showcase/app.py

# Both runs always happen; the target fails if either failed.
test: venv
	@rc=0; \
	echo "== tests, compiled backend (FASTMICRO_EXPECT_COMPILED=$(EXPECT_COMPILED)) =="; \
	env -u FASTMICRO_NO_EXTENSIONS FASTMICRO_EXPECT_COMPILED=$(EXPECT_COMPILED) $(VPY) -m pytest $(PYTEST_ARGS) || rc=1; \
	echo "== tests, pure-Python backend (FASTMICRO_NO_EXTENSIONS=1) =="; \
	env -u FASTMICRO_EXPECT_COMPILED FASTMICRO_NO_EXTENSIONS=1 $(VPY) -m pytest $(PYTEST_ARGS) || rc=1; \
	if [ $$rc -ne 0 ]; then echo "make test: FAILED (see above)" >&2; fi; \
	exit $$rc

bench: venv
	$(VPY) benchmarks/compare.py $(BENCH_ARGS)

# Regression guards, both backends, against benchmarks/baselines/ (see
# benchmarks/README.md): ratios to raw WSGI and Flask measured in the same run
# (+25% on both fails), and instructions per request under callgrind (+5%
# fails). Both always run; the target fails if either failed.
bench-check: venv
	@rc=0; \
	$(VPY) benchmarks/bench_check.py --backend both $(BENCH_CHECK_ARGS) || rc=1; \
	$(VPY) benchmarks/callgrind_guard.py --backend both $(CALLGRIND_ARGS) || rc=1; \
	if [ $$rc -ne 0 ]; then echo "make bench-check: FAILED (see above)" >&2; fi; \
	exit $$rc

bench-report: venv
	$(VPY) benchmarks/report.py $(REPORT_ARGS)

# The docs extra (Sphinx, furo, MyST) goes into the same venv on first use.
# Only the extra's requirements are installed, read from pyproject.toml:
# `pip install -e .[docs]` would rebuild every compiled module for nothing.
# Warnings fail the build.
DOCS_STAMP := $(VENV)/.fastmicro-docs-installed

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(VPY) -m pip install $$($(VPY) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["docs"])')
	touch $@

docs: $(DOCS_STAMP)
	$(VENV)/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis .benchmarks docs/_build
	rm -f fastmicro/_ext/*.so
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
