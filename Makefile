# AIGC Lab: two commands do everything on a fresh machine.
#   make lab    create .venv, install, open JupyterLab on notebooks/00_start_here.ipynb
#   make test   create .venv if needed, install, run every test (unit tests + every notebook under nbval)
# Both are idempotent: the install runs again only when requirements.txt or pyproject.toml change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JupyterLab refuses to start as root unless told it may.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_ARGS  ?=
# Two pytest workers for two cores; --dist loadfile keeps each notebook's cells on one worker.
TEST_ARGS ?= -n 2 --dist loadfile

.PHONY: lab test install unit notebooks clean-notebooks

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch is pinned in requirements.txt, in this same command, so pip takes the CPU wheel.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -e . 2>&1 \
	  | grep -v "is ignored: it is neither a file nor a directory" || true
	$(BIN)/python -c "import aigc_lab, torch, nbval, jupyterlab" 
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(ROOT_FLAG) $(LAB_ARGS) notebooks/00_start_here.ipynb

# Everything: unit tests and every notebook in the smoke profile, in one pytest run.
test: $(STAMP)
	AIGC_LAB_PROFILE=smoke AIGC_LAB_THREADS=1 $(BIN)/python -m pytest $(TEST_ARGS) \
	  --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg tests notebooks

unit: $(STAMP)
	AIGC_LAB_PROFILE=smoke $(BIN)/python -m pytest $(TEST_ARGS) tests

notebooks: $(STAMP)
	AIGC_LAB_PROFILE=smoke AIGC_LAB_THREADS=1 $(BIN)/python -m pytest $(TEST_ARGS) \
	  --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

clean-notebooks: $(STAMP)
	$(BIN)/aigc-lab clean
