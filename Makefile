# Development shortcuts; the README's two commands need nothing but Python.
PYTHON ?= .venv/bin/python

.PHONY: venv test docs benchmark speed

venv:
	python3 -m venv .venv
	.venv/bin/pip install -q torch==2.13.0
	.venv/bin/pip install -q -e ".[dev]"

test:
	$(PYTHON) -m pytest

docs:
	$(PYTHON) -m sphinx -W -b html docs docs/_build/html

benchmark:
	.venv/bin/imbnn benchmark

speed:
	$(PYTHON) benchmarks/bench_aum_loss.py
	$(PYTHON) benchmarks/bench_fit_overhead.py
