# make demo : create .venv with a Python >= 3.12, install emvb, run the default comparison
# make test : create .venv the same way, install emvb with its test extras, run pytest
# make reports : regenerate the committed reports in reports/ (the README's commands)
# make studies : regenerate the committed repeated-sampling studies in studies/ (about 45 minutes on 2 cores)
# make bench : every benchmark in benchmarks/, each measurement writing benchmarks/results/NAME.json
# make notebooks : re-execute the teaching notebooks in notebooks/ in place (outputs stored in the files)
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test venv bench reports studies notebooks clean

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

# One pytest worker per core (pytest-xdist); each test file runs whole in one worker, so a file's
# module-scoped fixtures (whole `emvb run`s) are computed once. TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# Each notebook runs in a kernel started from this venv's Python (notebooks/execute.py), not a system kernel.
notebooks: $(STAMP)
	$(PY) notebooks/execute.py

# script.py[:measurement] (a script with several measurements takes the measurement's name first)
BENCHMARKS := run_speed.py:run run_speed.py:replicate em_speed.py sampler_speed.py:grid sampler_speed.py:likelihood \
	io_speed.py label_speed.py:stage label_speed.py:k sampler_speed.py:starts adequacy_speed.py study_speed.py \
	sampler_speed.py:fastmath figures_speed.py
bench: $(STAMP)
	@for b in $(BENCHMARKS); do echo "== benchmarks/$${b/:/ }"; $(PY) benchmarks/$${b/:/ } || exit $$?; done

EMVB := $(VENV)/bin/emvb
# t2.csv: 5,000 Student-t(2) draws, data no two-normal mixture describes (kept out of the repository).
reports: $(STAMP)
	$(EMVB) run --out reports/default --force --quiet
	$(EMVB) run --n 200 --truth 0.3,0,1.5,1 --seed 2026 --out reports/overlap --force --quiet
	$(EMVB) pitfalls --seed 2026 --out reports/pitfalls --force
	$(EMVB) bvm --n-grid 20,100,1000,10000 --out reports/bvm --force --quiet
	$(EMVB) run --truth 0.3,0,0,1 --out reports/one_normal --force --quiet
	$(PY) -c "import numpy as np; np.savetxt('t2.csv', np.random.default_rng(2026).standard_t(2, 5000), header='x', comments='')"
	$(EMVB) run --data t2.csv --out reports/misfit --force --quiet

studies: $(STAMP)
	$(EMVB) study --scenario separated --n 50,200,1000,10000 --replicates 200,200,200,100 --em-replicates 10000 \
	    --models ordered,unordered --sbc 500 --seed 2026 --quiet --force --out studies/separated
	$(EMVB) study --scenario overlap --n 50,200,1000,10000 --replicates 200,200,200,50 --em-replicates 10000 \
	    --models ordered,unordered --sbc 500 --seed 2026 --quiet --force --out studies/overlap

clean:
	rm -rf $(VENV) .pytest_cache
