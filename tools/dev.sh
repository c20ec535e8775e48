#!/usr/bin/env bash
# Entry point of the Makefile targets: tools/dev.sh demo|demo-reset|test|lint|shell|odoo|stop
# shellcheck source=tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DB=${DB:-collections_demo}
PORT=${PORT:-8069}
TEST_DB=${TEST_DB:-collections_test}
MODULE=collections_mgmt

odoo_stamp() {
    echo "$ODOO_SRC $(stat -c %Y "$ODOO_SRC/odoo-bin" "$ODOO_SRC/odoo/release.py" | tr '\n' ' ')" | sha256sum | cut -c1-10
}

# Translations are left out: the template installs English only, tests load fr.po from disk.
module_stamp() {
    (cd "$ROOT" && find "$MODULE" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' ! -path '*/i18n/*' -print0 | sort -z | xargs -0 sha256sum) \
        | sha256sum | cut -c1-10
}

# A database with Odoo's account installed, no demo data, cached per Odoo source.
base_template() {
    local base="cm_base_$(odoo_stamp)"
    if ! db_exists "$base"; then
        say "Building the cached base database $base (Odoo's account, no demo data)"
        drop_db "$base.tmp"
        odoo -d "$base.tmp" -i account --without-demo=all --stop-after-init --no-http --log-level=warn >&2 \
            || die "installing account into $base.tmp failed"
        psql -d postgres -XqAc "ALTER DATABASE \"$base.tmp\" RENAME TO \"$base\"" >/dev/null
        [ -d "$RUN/data/filestore/$base.tmp" ] && mv "$RUN/data/filestore/$base.tmp" "$RUN/data/filestore/$base"
    fi
    echo "$base"
}

# The base database plus collections_mgmt, cached until the module's files change.
test_template() {
    local base=$1 tmpl
    tmpl="cm_tmpl_$(odoo_stamp)_$(module_stamp)"
    if ! db_exists "$tmpl"; then
        for old in $(psql -d postgres -XtAc "SELECT datname FROM pg_database WHERE datname LIKE 'cm\_tmpl\_%'"); do
            drop_db "$old"
        done
        say "Building the cached test template $tmpl ($MODULE installed, no demo data)"
        clone_db "$base" "$tmpl.tmp"
        odoo -d "$tmpl.tmp" -i "$MODULE" --without-demo=all --stop-after-init --no-http --log-level=warn >&2 \
            || die "installing $MODULE into a fresh database failed"
        psql -d postgres -XqAc "ALTER DATABASE \"$tmpl.tmp\" RENAME TO \"$tmpl\"" >/dev/null
        rm -rf "$RUN/data/filestore/$tmpl"
        [ -d "$RUN/data/filestore/$tmpl.tmp" ] && mv "$RUN/data/filestore/$tmpl.tmp" "$RUN/data/filestore/$tmpl"
    fi
    echo "$tmpl"
}

cmd_test() {
    setup_all
    local base tmpl
    base=$(base_template)
    tmpl=$(test_template "$base")
    clone_db "$tmpl" "$TEST_DB"
    say "Running the suite on $TEST_DB (copy of $tmpl)"
    cd "$ROOT"
    local rc=0
    PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" CM_ODOO_CONF="$CONF" CM_BASE_DB="$base" CM_ODOO_SRC="$ODOO_SRC" CM_PYTHON="$PY" \
        "$PY" -m pytest ${PYTEST_TARGET:-tests} \
        --odoo-config="$CONF" --odoo-database="$TEST_DB" --odoo-http \
        --odoo-log-level="${LOG_LEVEL:-warn}" --odoo-extra="db-filter=^$TEST_DB\$" \
        -p no:cacheprovider ${PYTEST_ARGS:-} || rc=$?
    if [ "$rc" = 5 ]; then
        echo "collections_mgmt: pytest collected no test: that is a failure." >&2
    fi
    return "$rc"
}

cmd_demo() {
    setup_all
    if db_exists "$DB"; then
        say "Upgrading $MODULE in $DB"
        odoo -d "$DB" -u "$MODULE" --stop-after-init --no-http --log-level=warn || die "upgrade of $DB failed"
    else
        say "Creating $DB with account and $MODULE, demo data included (a few minutes the first time)"
        odoo -d "$DB" -i "account,$MODULE" --stop-after-init --no-http --log-level=warn || die "creating $DB failed"
    fi
    cat <<MSG

  collections_mgmt demo is starting: http://localhost:$PORT
  Log in as admin / admin (database $DB). Stop with Ctrl+C or 'make stop'.

MSG
    exec "$PY" "$ODOO_SRC/odoo-bin" -c "$CONF" -d "$DB" --db-filter="^$DB\$" \
        --http-port="$PORT" --pidfile="$RUN/odoo.pid" --log-level="${LOG_LEVEL:-info}"
}

cmd_demo_reset() {
    setup_all
    drop_db "$DB"
    say "Dropped database $DB"
}

cmd_shell() {
    setup_all
    exec "$PY" "$ODOO_SRC/odoo-bin" shell -c "$CONF" -d "$DB" --no-http --log-level="${LOG_LEVEL:-warn}"
}

cmd_odoo() {
    setup_all
    # shellcheck disable=SC2086
    exec "$PY" "$ODOO_SRC/odoo-bin" -c "$CONF" ${ARGS:-}
}

cmd_lint() {
    check_odoo
    ensure_venv
    cd "$ROOT"
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    "$VENV/bin/pylint" --rcfile=.pylintrc "$MODULE"
}

cmd_stop() {
    if [ -f "$RUN/odoo.pid" ]; then
        local pid
        pid=$(cat "$RUN/odoo.pid")
        if kill -0 "$pid" 2>/dev/null; then
            say "Stopping Odoo (pid $pid)"
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$RUN/odoo.pid"
    fi
    local data
    data="$(readlink -f "$RUN/pg" 2>/dev/null || echo "$RUN/pg")/data"
    if [ -f "$data/PG_VERSION" ] && [ -z "${PGHOST:-}" ]; then
        local bindir
        bindir=$(pg_bindir)
        PG_OWNER=$(id -un)
        [ "$(id -u)" = 0 ] && PG_OWNER=$(stat -c %U "$data")
        if as_pg_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
            say "Stopping PostgreSQL"
            as_pg_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
        fi
    fi
}

case "${1:-}" in
    demo) cmd_demo ;;
    demo-reset) cmd_demo_reset ;;
    test) cmd_test ;;
    lint) cmd_lint ;;
    shell) cmd_shell ;;
    odoo) cmd_odoo ;;
    stop) cmd_stop ;;
    check) check_odoo ;;
    *) die "usage: tools/dev.sh demo|demo-reset|test|lint|shell|odoo|stop" ;;
esac
