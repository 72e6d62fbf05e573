# silva developer tasks. Works from a fresh checkout with only python3 (>=3.11) and pip.
PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -q -n 2 --dist loadfile

.PHONY: venv install demo test bench clean distclean

venv: $(VPY)

# Created only when the interpreter is missing.
$(VPY):
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --upgrade pip

install: $(STAMP)

# Re-installs only when pyproject.toml changes (editable install: code edits need no reinstall).
$(STAMP): pyproject.toml | $(VPY)
	$(VPY) -m pip install -e '.[test]'
	touch $@

demo: install
	$(VPY) -m silva.demo

test: install
	$(VPY) -m pytest $(PYTEST_ARGS)

bench: install
	$(VPY) benchmarks/bench_fit.py

clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis
	rm -f silva_demo_*.json
	find . -path ./$(VENV) -prune -o -name __pycache__ -prune -print0 -o \( -name "*.nbi" -o -name "*.nbc" \) -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV)
