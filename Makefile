# Two entry points for a fresh machine: `make run` (set up, check seeds/) and `make test` (set up, run the tests).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup run test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: 2.13.0 is the CPU build here; the plain name would pull a CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

run: setup
	$(VENV)/bin/vncheck check seeds/

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) benchmarks/nli_speed.py

clean:
	rm -rf $(VENV) reports/vncheck-report.*
