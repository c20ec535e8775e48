#!/usr/bin/env bash
# Times the aging report on 20,000 open invoices in a throw-away database.
# Usage: bench/aging/run.sh   (BENCH_INVOICES=5000 for a shorter run)
# Needs a test template first: run `make test` once.
set -euo pipefail
# shellcheck source=tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib.sh"
setup_all
tmpl=$(psql -d postgres -XtAc "SELECT datname FROM pg_database WHERE datname LIKE 'cm\_tmpl\_%' AND datname NOT LIKE '%.tmp' ORDER BY datname LIMIT 1")
[ -n "$tmpl" ] || die "no test template database: run 'make test' once"
clone_db "$tmpl" cm_bench_aging
trap 'drop_db cm_bench_aging' EXIT
"$PY" "$ODOO_SRC/odoo-bin" shell -c "$CONF" -d cm_bench_aging --no-http --log-level=warn \
    <"$ROOT/bench/aging/bench_aging.py"
