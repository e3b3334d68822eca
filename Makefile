# Understanding LSTM, executable — see README.md.
#   make book   build the website into _build/html (creates .venv on first use)
#   make test   every check: unit tests, nbval over all notebooks, book build, browser tests
#   make student / make grade SUBMISSION=dir   coursework: the handout, and a submission's grade
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard chapters/*.ipynb)) $(wildcard appendix/*.ipynb)
PORT ?= 8000
JOBS ?= 2
# BOOK_REPO_URL=https://github.com/OWNER/REPO: the book's repository for the site's GitHub icon and
# Binder/Colab buttons (read by _ext/header.py). Unset: the GitHub `origin`; empty: no such links.
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# The book's matrices are small: one BLAS thread per process is faster than two competing ones
# (tests and notebooks run two at a time on two cores). Override on the command line if you like.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: book test unit nbval browser notebooks serve lab bench experiments experiments-all clean help student grade

help:
	@echo "make book       build the website (_build/html); creates .venv when needed"
	@echo "make test       unit tests + nbval over chapters/ + book build (-W) + browser tests"
	@echo "make notebooks  re-execute every notebook in place (stores outputs and widget state)"
	@echo "make serve      serve _build/html on http://127.0.0.1:$(PORT)"
	@echo "make lab        JupyterLab on the chapters"
	@echo "make bench      LSTM speed benchmark (optional deps: benchmarks/requirements.txt)"
	@echo "make experiments the 1997 battery of Chapter 16 (both cores, resumable; 1.9 hours measured)"
	@echo "make experiments-all  the battery and its five slow controls (about 5.4 CPU-hours more)"
	@echo "make student    the student edition without solutions, and its website (_build/student)"
	@echo "make grade SUBMISSION=dir   grade a student repository: dir/grade.json, dir/grade.md (STRICT=1)"

# The virtual environment is (re)built when missing or older than requirements.txt / pyproject.toml.
$(STAMP): requirements.txt constraints.txt pyproject.toml
	@echo ">>> creating $(VENV) from requirements.txt (first time: about 1 minute)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt 2> >(grep -v "^WARNING: Location" >&2)
	touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . --warningiserror --keep-going --quiet
	@echo ">>> open file://$(CURDIR)/_build/html/index.html   (or: make serve)"

unit: $(STAMP)
	$(PY) -m pytest tests --ignore=tests/browser --ignore=tests/test_built_html.py -n $(JOBS) -q

nbval: $(STAMP)
	$(PY) -m pytest --nbval --nbval-current-env --nbval-cell-timeout=300 \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg -n $(JOBS) --dist loadfile -q $(NOTEBOOKS)

browser: $(STAMP)
	$(PY) -m pytest tests/test_built_html.py -q
	$(PY) -m pytest tests/browser -q

test: unit nbval book browser
	@echo ">>> all checks passed"

# Re-execute notebooks in place: outputs and widget state are stored for the website and nbval.
notebooks: $(STAMP)
	for nb in $(or $(NB),$(NOTEBOOKS)); do \
	  echo ">>> executing $$nb"; \
	  (cd "$$(dirname $$nb)" && $(CURDIR)/$(VENV)/bin/jupyter execute --inplace --timeout=600 "$$(basename $$nb)") || exit 1; \
	done

# Coursework (appendix/coursework.md): the handout without solutions, and the grader.
student: $(STAMP)
	$(PY) -m coursework student --out _build/student

grade: $(STAMP)
	@test -n "$(SUBMISSION)" || { echo "usage: make grade SUBMISSION=<student repository> [STRICT=1]"; exit 2; }
	$(PY) -m coursework grade "$(SUBMISSION)" --jobs $(JOBS) $(if $(STRICT),--strict)

serve:
	@echo ">>> http://127.0.0.1:$(PORT)/"
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

lab: $(STAMP)
	$(VENV)/bin/jupyter lab chapters

bench: $(STAMP)
	$(PY) benchmarks/bench_lstm.py
	$(PY) benchmarks/bench_trials.py

# The Hochreiter & Schmidhuber (1997) battery (Chapter 16): two worker processes, a progress line
# per trial, per-trial results in experiments/results/hs97/ (resumable), then summary.json.
experiments: $(STAMP)
	$(PY) experiments/run_hs97.py

# ... and the five controls that run the paper's one-sequence rule on the minibatch rows (about 5.4 CPU-hours more)
experiments-all: $(STAMP)
	$(PY) experiments/run_hs97.py --all

clean:
	rm -rf _build
