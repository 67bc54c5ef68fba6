# make demo : create .venv with a Python >= 3.12, install emvb, run the default comparison
# make test : create .venv the same way, install emvb with its test extras, run pytest
# make notebooks : re-execute the teaching notebooks in notebooks/ in place (outputs stored in the files)
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test venv bench reports notebooks clean

venv: $(STAMP)

# Every candidate is checked by running it: on some images python3.12 is a pyenv shim that fails.
# pyenv versions are tried oldest first, so the 3.12 that the PyMC/ArviZ crib was verified on wins over 3.13.
$(VENV)/bin/python:
	@py=""; \
	cands="$${PYTHON:-} python3.13 python3.12 python3"; \
	proot=$$(pyenv root 2>/dev/null || echo "$$HOME/.pyenv"); \
	for d in $$(ls -d "$$proot"/versions/3.* 2>/dev/null | sort -V); do cands="$$cands $$d/bin/python3"; done; \
	for c in $$cands; do \
	  if "$$c" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then py="$$c"; break; fi; \
	done; \
	if [ -z "$$py" ]; then echo "emvb needs Python >= 3.12: install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12" >&2; exit 2; fi; \
	echo "using $$py ($$("$$py" -c 'import sys; print(sys.version.split()[0])'))"; \
	"$$py" -m venv $(VENV)

# Re-install only when pyproject.toml changes.
$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/emvb run --out reports/demo --force

test: $(STAMP)
	$(PY) -m pytest -q

# Each notebook runs in a kernel started from this venv's Python (notebooks/execute.py), not a system kernel.
notebooks: $(STAMP)
	$(PY) notebooks/execute.py

bench: $(STAMP)
	$(PY) benchmarks/em_speed.py
	$(PY) benchmarks/sampler_speed.py

clean:
	rm -rf $(VENV) .pytest_cache
