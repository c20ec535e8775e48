# collections_mgmt: every target checks for Odoo first (ODOO_SRC, default /opt/odoo18).
# Variables: ODOO_SRC, DB (demo database), PORT (demo HTTP port), PGHOST/PGPORT/PGUSER/PGPASSWORD
# (use that server instead of the private cluster in .run/), PYTEST_ARGS, LOG_LEVEL.
SHELL := /bin/bash
DEV := tools/dev.sh

.PHONY: demo demo-reset test lint shell odoo stop bench help

help:
	@echo "make demo        run Odoo with collections_mgmt and demo data at http://localhost:$${PORT:-8069}"
	@echo "make demo-reset  drop the demo database"
	@echo "make test        run the whole test suite on a fresh database"
	@echo "make lint        ruff and pylint-odoo"
	@echo "make shell       odoo-bin shell on the demo database (DB=name for another)"
	@echo "make odoo ARGS=  odoo-bin with the project's configuration"
	@echo "make stop        stop Odoo and the private PostgreSQL cluster"
	@echo "make bench       scale benchmark next to OCA's credit control (SIZE=S|L|all, OCA=0)"
	@echo "make i18n        regenerate the .pot, merge it into fr.po, list what is left to translate"
	@echo "make screenshots the journey tours, saving docs/screenshots/*.png"
	@echo "make drill       fault drills of the daily run (SIGKILL, two processes, upgrade)"

demo demo-reset test lint shell odoo stop:
	@bash $(DEV) $@

# Benchmarks (bench/README.md): DB defaults to collections_bench.
.PHONY: bench-data bench-scores bench-daily-run
bench-data:
	@bash bench/run generate.py --size $(or $(SIZE),XS) $(BENCH_ARGS)

bench-scores:
	@bash bench/run bench_scores.py $(BENCH_ARGS)

bench-daily-run:
	@bash bench/run bench_daily_run.py $(BENCH_ARGS)

# Scale benchmark next to OCA's credit control (bench/README.md), never run by make test.
bench:
	@SIZE=$(or $(SIZE),all) OCA=$(or $(OCA),1) bash bench/scale

# Translations (README, "Translations"): export the .pot, merge it into the .po files.
.PHONY: i18n
i18n:
	@bash tools/i18n.sh

# Fault drills of the daily run on 2,000 cases (bench/README.md), never run by make test:
# SIGKILL mid-run, two processes at once, upgrade/uninstall/reinstall (DRILLS=kill,...).
.PHONY: drill
drill:
	@bash bench/drills/drill

# Screenshots of the main screens (docs/screenshots/*.png, shown in README.md), taken by the
# journey tours in Chromium; make test never takes them.
.PHONY: screenshots
screenshots:
	@COLLECTIONS_SCREENSHOTS=$(CURDIR)/docs/screenshots PYTEST_TARGET=tests/test_journey_tours.py bash $(DEV) test
