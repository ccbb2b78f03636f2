# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make report   bootstrap .venv, then run the main job on the shipped data
#   make test     bootstrap .venv, then lint and every test
# and, while developing, make test-fast: the tests that start no kernel, server or browser
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv report test test-fast lint format bench clean chromium notebooks screenshot

venv: $(STAMP)

# the package editable, JupyterLab (the lab extra) and the dev tools
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[lab,dev]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/cpt-workbook lookup 97012 --year 2025 --locality 01112-05
	@mkdir -p reports
	$(BIN)/cpt-workbook article 97012 --out reports/97012_article.txt
	$(BIN)/cpt-workbook run 00_training_tour
	$(BIN)/cpt-workbook run 01_code_card
	$(BIN)/cpt-workbook run 02_rvu_explorer
	$(BIN)/cpt-workbook run 03_diagnosis_pairings
	$(BIN)/cpt-workbook run 04_practice_productivity
	$(BIN)/cpt-workbook run 05_payer_contracts
	$(BIN)/cpt-workbook run 06_year_over_year
	$(BIN)/cpt-workbook run 07_wrvu_compensation
	$(BIN)/cpt-workbook run 08_em_levels
	@echo "Reports written to $(CURDIR)/reports/: each notebook's HTML report and executed notebook, and an Excel workbook of its result tables where it has any (each line above says which)"
	@echo "All reports, newest first: $(CURDIR)/reports/index.html"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# headless Chromium renders the HTML reports in tests/test_report_browser.py; only root can
# install it (CI runs as root): anyone else is told in one line that those tests will skip
chromium:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is not installed and installing it needs root: the browser tests will skip (sudo make chromium installs it)"; fi

# everything, as CI runs it: lint, every test (kernels, JupyterLab, Chromium) and nbval
test: $(STAMP) lint chromium
	$(BIN)/python -m pytest --nbval --nbval-sanitize-with notebooks/sanitize.cfg tests notebooks

# the quick loop while developing: every test but those marked slow (a kernel, a server or a
# browser), no nbval, spread over the processor cores; run `make test` before you commit
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -n auto -q tests

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_notebooks.py
	$(BIN)/python benchmarks/bench_practice.py

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache

# the README's screenshot: notebook 04's report in headless Chromium, offline, its productivity
# table sorted by work RVUs (needs chromium: see `make chromium`)
screenshot: $(STAMP)
	$(BIN)/cpt-workbook run 04_practice_productivity --out reports
	$(BIN)/python docs/screenshot.py reports/04_practice_productivity.html docs/report.png

# re-execute the notebooks in place (outputs are committed: nbval compares them); review the diff
notebooks: $(STAMP)
	cd notebooks && for nb in [0-9][0-9]_*.ipynb; do \
	  ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False "$$nb" || exit 1; done
