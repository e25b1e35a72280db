# AIGC Lab: two commands do everything on a fresh machine.
#   make lab    create .venv, install, open JupyterLab on notebooks/00_start_here.ipynb
#   make test   create .venv if needed, install, run every test (unit tests + every notebook under nbval)
# Both are idempotent: the install runs again only when requirements.txt or pyproject.toml change.
#   make lab TORCH=cpu   (and make test / install / wheelhouse TORCH=cpu): PyTorch's CPU build of torch, from
#                        PyTorch's CPU package index; what a Linux laptop without an NVIDIA GPU wants (see README).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JupyterLab refuses to start as root unless told it may.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_ARGS  ?=
# Two pytest workers for two cores; --dist loadfile keeps each notebook's cells on one worker.
TEST_ARGS ?= -n 2 --dist loadfile
# No network for the tests: where `unshare -n` works (root on Linux, with iproute2's `ip`), pytest runs in a new
# network namespace whose only interface is loopback, brought up, so notebook kernels, subprocesses and torchrun
# workers cannot reach the network either, while loopback (Jupyter, kernels, rendezvous) still works.
# Elsewhere the tests run plainly, after a one-line note. `make test OFFLINE=` turns it off.
OFFLINE = $(if $(shell unshare -n sh -c 'ip link set lo up' >/dev/null 2>&1 && echo yes),\
  unshare -n sh -c 'ip link set lo up && export AIGC_LAB_NETWORK=isolated && exec "$$0" "$$@"')
OFFLINE_NOTE = $(if $(strip $(OFFLINE)),,@echo "note: no network namespace here (unshare -n needs root on Linux and iproute2's ip): tests run with the network reachable")
# `make wheelhouse`: every wheel the course needs, for a workshop room without network (see README).
WHEELHOUSE      ?= wheelhouse
WHEELHOUSE_ARGS ?=
# TORCH=cpu: add PyTorch's CPU package index, as the CI workflow does (PIP_EXTRA_INDEX_URL). Its torch==2.13.0+cpu
# satisfies the pin in requirements.txt and, as the higher version (a local label sorts after the plain
# release), is what pip picks, instead of PyPI's CUDA build on Linux. On macOS and Windows PyPI's wheels are CPU
# builds already. Left out (the default), pip resolves the pin as it always has.
TORCH           ?=
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
ifneq ($(filter-out cpu,$(TORCH)),)
$(error TORCH=$(TORCH) is not a choice: give TORCH=cpu for PyTorch's CPU build, or leave TORCH out)
endif
TORCH_PIP_ARGS  = $(if $(filter cpu,$(TORCH)), --extra-index-url $(TORCH_CPU_INDEX))
# With TORCH=cpu, lab/test/... first make sure the .venv's torch is a CPU build (see torch-cpu below).
TORCH_CHECK     = $(if $(filter cpu,$(TORCH)),torch-cpu)

.PHONY: lab test install unit notebooks clean-notebooks wheelhouse torch-cpu

install: $(STAMP) $(TORCH_CHECK)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch is pinned in requirements.txt, in this same command, so pip takes the pinned version (TORCH=cpu: its CPU build).
	$(BIN)/python -m pip install --quiet --disable-pip-version-check$(TORCH_PIP_ARGS) -r requirements.txt -e . 2>&1 \
	  | grep -v "is ignored: it is neither a file nor a directory" || true
	$(BIN)/python -c "import aigc_lab, torch, nbval, jupyterlab" 
	touch $(STAMP)

# TORCH=cpu on a .venv installed earlier without it (a CUDA build of torch): reinstall the same torch version from
# PyTorch's CPU index, torch alone. Nothing happens when the .venv's torch is a CPU build already.
torch-cpu: $(STAMP)
	@$(BIN)/python -c "import sys, torch; sys.exit(torch.version.cuda is not None)" || \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
	    --index-url $(TORCH_CPU_INDEX) "$$(grep -E '^torch==' requirements.txt)"

lab: $(STAMP) $(TORCH_CHECK)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(ROOT_FLAG) $(LAB_ARGS) notebooks/00_start_here.ipynb

# Everything: the generated tables against results/*.json (README.md, results/BENCHMARKS.md, docs/instructors.md;
# tests/test_course.py checks them too), then unit tests and every notebook in the smoke profile, in one pytest run.
test: $(STAMP) $(TORCH_CHECK)
	$(OFFLINE_NOTE)
	$(BIN)/aigc-lab readme --check
	AIGC_LAB_PROFILE=smoke AIGC_LAB_THREADS=1 $(OFFLINE) $(BIN)/python -m pytest $(TEST_ARGS) \
	  --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg tests notebooks

unit: $(STAMP) $(TORCH_CHECK)
	$(OFFLINE_NOTE)
	AIGC_LAB_PROFILE=smoke $(OFFLINE) $(BIN)/python -m pytest $(TEST_ARGS) tests

notebooks: $(STAMP) $(TORCH_CHECK)
	$(OFFLINE_NOTE)
	AIGC_LAB_PROFILE=smoke AIGC_LAB_THREADS=1 $(OFFLINE) $(BIN)/python -m pytest $(TEST_ARGS) \
	  --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks

clean-notebooks: $(STAMP) $(TORCH_CHECK)
	$(BIN)/aigc-lab clean

# Every wheel the course needs (the same requirements.txt, torch pinned, plus what `pip install -e .` builds
# with) into $(WHEELHOUSE)/, so that a workshop room installs with no network:
#   pip install --no-index --find-links wheelhouse -r requirements.txt -e .
# pip downloads for this machine's OS and Python; for other laptops pass, for example,
#   make wheelhouse WHEELHOUSE_ARGS="--only-binary=:all: --platform win_amd64 --python-version 3.11"
# and `make wheelhouse TORCH=cpu` for Linux laptops without an NVIDIA GPU (the CPU build of torch, far smaller).
wheelhouse:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip download --disable-pip-version-check --dest $(WHEELHOUSE)$(TORCH_PIP_ARGS) $(WHEELHOUSE_ARGS) \
	  -r requirements.txt "setuptools>=64" wheel

# ----------------------------------------------------------------------------- the course website
# `make site`: every notebook, executed, as static HTML under build/site/ (aigc_lab/site.py explains each step).
# It reuses the executed copies `aigc-lab run` leaves in build/executed/<profile>/ and runs only the notebooks
# without a current copy. SITE_PROFILE picks the profile (default: this machine's: cpu, or gpu with CUDA), e.g.
#   make site SITE_PROFILE=smoke          # quick; view with: python -m http.server --directory build/site
# The pages load nothing from the network: MathJax, require.js, the widget renderer and Font Awesome are the npm
# packages pinned in docs/site/assets.json, fetched once (`make site-assets`, needs npm) into build/vendor/.
SITE_PROFILE ?=
SITE_ARGS    ?=

.PHONY: site site-assets site-assets-for-tests

site: $(STAMP)
	$(BIN)/python -m aigc_lab.site $(if $(SITE_PROFILE),--profile $(SITE_PROFILE)) $(SITE_ARGS)

site-assets: $(STAMP)
	$(BIN)/python -m aigc_lab.site --assets-only

# The tests run without network (see OFFLINE), so the site's pinned packages are fetched before them. Where that
# is impossible (no npm) the note says so, and the site tests skip (under CI=true they fail instead).
test: site-assets-for-tests
site-assets-for-tests: $(STAMP)
	@$(BIN)/python -m aigc_lab.site --assets-only \
	  || echo "note: the site's pinned scripts could not be fetched (needs npm, once): the site tests will skip"
