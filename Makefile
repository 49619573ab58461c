# Loket: `make run` starts a demo building (a site hub, counter L01's window on a demo data
# folder, a scripted counter L02, the hall display's URL); `make test` runs every test.
# Both create .venv and install on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-data
SITE_DIR ?= demo-site
DEMO_ADMIN_PASSWORD ?= loket-demo-2026
DEMO_STAFF_PASSWORD ?= petugas-demo-2026

.PHONY: run test bench screenshots demo-data lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[gui,server,test]'
	touch $(STAMP)

# A ready demo folder: site PTK, counter L01, admin `admin`, staff `petugas`, yesterday's full
# day and this morning's queue so far.
$(DEMO_DIR)/loket.sqlite3: | $(STAMP)
	$(PY) -m counter_app --data-dir $(DEMO_DIR) init --site PTK --counter L01 \
		--admin admin --admin-password $(DEMO_ADMIN_PASSWORD)
	COUNTER_APP_NEW_PASSWORD=$(DEMO_STAFF_PASSWORD) $(PY) -m counter_app --data-dir $(DEMO_DIR) \
		staff add petugas --role staff --full-name "Petugas Demo"
	$(PY) -m counter_app --data-dir $(DEMO_DIR) demo --date $$(TZ=Asia/Pontianak date -d yesterday +%F) --visits 140 --seed 7
	TZ=Asia/Pontianak $(PY) -m counter_app --data-dir $(DEMO_DIR) demo --date $$(TZ=Asia/Pontianak date +%F) \
		--visits 140 --seed 8 --until $$(TZ=Asia/Pontianak date +%H:%M)

demo-data: $(DEMO_DIR)/loket.sqlite3

# The hub (counter-app server on 127.0.0.1:8470, or a free port) and counter L02 run in the
# background while the window is open; closing the window (or Ctrl+C) stops them.
run: $(STAMP) demo-data
	@echo "The command line on this demo: $(VENV)/bin/counter-app --data-dir $(DEMO_DIR) COMMAND (or export COUNTER_APP_DATA_DIR=$(abspath $(DEMO_DIR)))"
	$(PY) tools/demo_site.py --data-dir $(DEMO_DIR) --site-dir $(SITE_DIR)

# ruff (lint + format check) and mypy first (their rules: [tool.ruff], [tool.mypy] in
# pyproject.toml; a few seconds). pytest exits 5 when it collected nothing: that must fail.
CODE := counter_app tests bench tools main.py
test: $(STAMP)
	$(VENV)/bin/ruff check $(CODE)
	$(VENV)/bin/ruff format --check $(CODE)
	$(PY) -m mypy
	$(PY) -m pytest -p no:cacheprovider; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(VENV)/bin/ruff check $(CODE)
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix $(CODE)
	$(VENV)/bin/ruff format $(CODE)

# Every benchmark of issue 16, as ratios measured in one run; fails when any target is missed.
# BENCH_JSON names the JSON document of every figure (default .venv/bench.json, not tracked).
BENCH_JSON ?= $(VENV)/bench.json
bench: $(STAMP)
	$(PY) bench/run_all.py --json $(BENCH_JSON)

screenshots: $(STAMP)
	xvfb-run -a -s "-screen 0 1366x768x24" $(PY) tools/screenshots.py
	xvfb-run -a -s "-screen 0 1366x768x24" $(PY) tools/screenshots.py --live

clean:
	rm -rf $(VENV) $(DEMO_DIR) $(SITE_DIR) .pytest_cache .hypothesis
