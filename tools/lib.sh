#!/usr/bin/env bash
# Shared helpers for the Makefile: Odoo source check, virtualenv, PostgreSQL, odoo.conf.
# Sourced by tools/*.sh; every function is idempotent.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN="$ROOT/.run"
VENV="$ROOT/.venv"
ODOO_SRC=${ODOO_SRC:-/opt/odoo18}
PY="$VENV/bin/python"
CONF="$RUN/odoo.conf"

die() { echo "collections_mgmt: $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }

check_odoo() {
    [ -f "$ODOO_SRC/odoo-bin" ] && return 0
    die "Odoo 18.0 Community source is needed, but $ODOO_SRC/odoo-bin does not exist.
  Put the Odoo 18.0 source (the folder holding odoo-bin and odoo/) at /opt/odoo18,
  or point to it with ODOO_SRC=/path/to/odoo (e.g. 'make test ODOO_SRC=\$HOME/src/odoo')."
}

ensure_venv() {
    local stamp="$VENV/.requirements.sha"
    local want
    want=$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)
    if [ -x "$PY" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    local python=${PYTHON:-}
    if [ -z "$python" ]; then
        for p in python3 python3.12 python3.11 python3.10; do
            if "$p" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null; then
                python=$p
                break
            fi
        done
    fi
    [ -n "$python" ] || die "Python 3.10, 3.11 or 3.12 is needed (set PYTHON=/path/to/python3.x)."
    say "Building the virtualenv .venv from requirements.txt with $python"
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
    # pip's warnings about unreachable local indexes are noise here
    "$VENV/bin/pip" install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" >&2 || true
    "$VENV/bin/pip" install -q -r "$ROOT/requirements.txt" 2>&1 | grep -v "^WARNING: Location" >&2 || true
    "$VENV/bin/python" -c "import psycopg2, pytest, websocket, freezegun, lxml" 2>/dev/null \
        || die "installing requirements.txt into .venv failed (see the messages above)"
    echo "$want" >"$stamp"
}

pg_bindir() {
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$d" ] && [ -x "$d/initdb" ] || die "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH
  nor in /usr/lib/postgresql/*/bin. Install Debian's package: apt-get install postgresql
  (or point to a running server with PGHOST, PGPORT, PGUSER, PGPASSWORD)."
    echo "$d"
}

# Run a command as the cluster's owner: postgres refuses to run as root.
as_pg_owner() {
    if [ "$(id -u)" = 0 ]; then
        # from /: the owner may not be allowed into the current directory
        (cd / && runuser -u "$PG_OWNER" -- "$@")
    else
        "$@"
    fi
}

free_port() {
    "$PY" - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}

# Embedded cluster under .run/pg unless PGHOST/PGPORT are given.
ensure_pg() {
    mkdir -p "$RUN"
    if [ -n "${PGHOST:-}" ] || [ -n "${PGPORT:-}" ]; then
        export PGHOST=${PGHOST:-localhost} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-odoo}
        export PGPASSWORD=${PGPASSWORD:-}
        DB_PASSWORD=${PGPASSWORD:-False}
        return 0
    fi
    local bindir
    bindir=$(pg_bindir)
    PG_OWNER=$(id -un)
    local pgdir="$RUN/pg"
    if [ "$(id -u)" = 0 ]; then
        # As root (CI), the cluster belongs to an unprivileged user; if that user
        # cannot reach .run (e.g. a clone under /root), the data lives in /tmp
        # and .run/pg links to it.
        PG_OWNER=postgres
        id -u "$PG_OWNER" >/dev/null 2>&1 || PG_OWNER=nobody
        if [ ! -e "$pgdir" ] && ! runuser -u "$PG_OWNER" -- test -x "$RUN"; then
            local tmpdir
            tmpdir="/tmp/collections_mgmt-pg-$(echo "$ROOT" | sha256sum | cut -c1-12)"
            # .run/pg is new, so a cluster left in $tmpdir belongs to an earlier
            # checkout at this path (rm -rf .run, or a fresh clone): start over
            if [ -f "$tmpdir/data/PG_VERSION" ]; then
                (cd / && runuser -u "$PG_OWNER" -- "$bindir/pg_ctl" -D "$tmpdir/data" -m fast -w stop) \
                    >/dev/null 2>&1 || true
            fi
            rm -rf "$tmpdir"
            mkdir -p "$tmpdir"
            ln -s "$tmpdir" "$pgdir"
        fi
        mkdir -p "$pgdir"
        chown "$PG_OWNER" "$pgdir" "$(readlink -f "$pgdir")"
    fi
    mkdir -p "$pgdir"
    # the cluster's owner must reach it without crossing .run (see above)
    pgdir=$(readlink -f "$pgdir")
    local data="$pgdir/data" sock="$pgdir/sock"
    if [ ! -f "$data/PG_VERSION" ]; then
        say "Creating a private PostgreSQL cluster in .run/pg"
        as_pg_owner mkdir -p "$data" "$sock"
        as_pg_owner "$bindir/initdb" -D "$data" -U odoo --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
            || as_pg_owner "$bindir/initdb" -D "$data" -U odoo --auth=trust -E UTF8 --locale=C >/dev/null
        free_port >"$pgdir/port"
        cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$sock'
port = $(cat "$pgdir/port")
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
shared_buffers = 256MB
CONF
    fi
    export PGHOST="$sock" PGPORT
    PGPORT=$(cat "$pgdir/port")
    export PGUSER=odoo
    unset PGPASSWORD
    DB_PASSWORD=False
    if ! as_pg_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        say "Starting PostgreSQL (socket $sock, port $PGPORT)"
        as_pg_owner "$bindir/pg_ctl" -D "$data" -l "$pgdir/server.log" -w -t 60 start >/dev/null \
            || die "PostgreSQL did not start; see $pgdir/server.log"
    fi
    PATH="$bindir:$PATH"
}

write_conf() {
    mkdir -p "$RUN/data"
    local addons="$ODOO_SRC/odoo/addons,$ROOT"
    [ -d "$RUN/extra-addons" ] && addons="$addons,$RUN/extra-addons"
    cat >"$CONF" <<CONF
[options]
addons_path = $addons
data_dir = $RUN/data
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = $DB_PASSWORD
admin_passwd = admin
http_interface = 127.0.0.1
list_db = True
CONF
}

setup_all() {
    check_odoo
    ensure_venv
    ensure_pg
    write_conf
}

odoo() {
    "$PY" "$ODOO_SRC/odoo-bin" -c "$CONF" "$@"
}

db_exists() {
    [ "$(psql -d postgres -XtAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]
}

# Copy a database and its filestore.
clone_db() {
    local src=$1 dst=$2
    dropdb --if-exists "$dst" >/dev/null
    createdb -T "$src" "$dst"
    rm -rf "$RUN/data/filestore/$dst"
    if [ -d "$RUN/data/filestore/$src" ]; then
        mkdir -p "$RUN/data/filestore"
        cp -r "$RUN/data/filestore/$src" "$RUN/data/filestore/$dst"
    fi
}

drop_db() {
    dropdb --if-exists "$1" >/dev/null
    rm -rf "$RUN/data/filestore/$1"
}
