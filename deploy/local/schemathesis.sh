#!/usr/bin/env bash
# Fuzzes the REST API against its own OpenAPI document (`/docs-json`) with schemathesis: a real
# api process on the local PostgreSQL and Kafka, a tenant created with the admin token so that
# every authenticated operation runs with a real API key, every check, a fixed seed and a bounded
# budget. Fails when schemathesis reports a failure (a server error, an undocumented status, a
# response that is not what the document says, a valid request refused or an invalid one taken).
#
#   deploy/local/schemathesis.sh [extra st run arguments]
#   deploy/local/schemathesis.sh install      only installs it into .local/venv
#
# Settings: FLOWLINE_SCHEMATHESIS_EXAMPLES (examples per operation and phase, default 30),
# FLOWLINE_SCHEMATHESIS_SEED (default 20251), FLOWLINE_SCHEMATHESIS_MAX_TIME (seconds; unset by
# default, so a run is the same run every time: with it, schemathesis keeps fuzzing until the time
# is spent), FLOWLINE_SCHEMATHESIS_PORT (default a free port),
# FLOWLINE_SCHEMATHESIS_BUILT (set: dist/ is already built). The report goes to .local/schemathesis/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SCHEMATHESIS_VERSION=4.32.5
VENV=$ROOT/.local/venv
REPORT_DIR=$ROOT/.local/schemathesis

ensure_schemathesis() {
  if [ "$("$VENV/bin/st" --version 2>/dev/null)" != "st, version $SCHEMATHESIS_VERSION" ]; then
    log "installing schemathesis $SCHEMATHESIS_VERSION into .local/venv"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# `schemathesis.sh install` only installs it (CI does so while the demo runs).
if [ "${1:-}" = install ]; then
  ensure_schemathesis
  exit 0
fi
ensure_packages
ensure_infrastructure
ensure_schemathesis
# test.sh builds before it starts this beside lint (FLOWLINE_SCHEMATHESIS_BUILT=1): no second build.
if [ -z "${FLOWLINE_SCHEMATHESIS_BUILT:-}" ]; then
  log "building"
  npm run --silent build
fi

PORT=${FLOWLINE_SCHEMATHESIS_PORT:-$(free_port)}
API=http://127.0.0.1:$PORT
RUN_ID=st$(date +%s)$$
mkdir -p "$REPORT_DIR"
# A topic prefix of its own: the events it produces reach no other cluster's topics.
export PORT FLOWLINE_TOPIC_PREFIX="$RUN_ID." FLOWLINE_PARTITIONS=1 LOG_LEVEL=${LOG_LEVEL:-warn}
export FLOWLINE_ADMIN_TOKEN="admin-$RUN_ID-$(node -p 'require("crypto").randomBytes(12).toString("hex")')"
export FLOWLINE_SECRET_KEY="schemathesis-$(node -p 'require("crypto").randomBytes(24).toString("hex")')"
export FLOWLINE_ALLOW_PRIVATE_TARGETS=

log "starting the api on $API"
node --disable-warning=TimeoutNegativeWarning dist/services/cluster/src/main.js api >"$REPORT_DIR/api.log" 2>&1 &
API_PID=$!
stop_api() { kill "$API_PID" 2>/dev/null && wait "$API_PID" 2>/dev/null || true; }
trap stop_api EXIT
trap 'exit 143' TERM INT
for _ in $(seq 1 120); do
  curl -fsS "$API/health/ready" >/dev/null 2>&1 && break
  kill -0 "$API_PID" 2>/dev/null || { cat "$REPORT_DIR/api.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "$API/health/ready" >/dev/null

TENANT_KEY=$(curl -fsS "$API/tenants" -H "authorization: Bearer $FLOWLINE_ADMIN_TOKEN" \
  -H 'content-type: application/json' -d "{\"id\":\"$RUN_ID\",\"name\":\"schemathesis\"}" |
  node -pe 'JSON.parse(require("fs").readFileSync(0)).api_key')
# The config file reads both tokens from the environment (POST /tenants takes the admin token).
export FLOWLINE_SCHEMATHESIS_API_KEY=$TENANT_KEY

log "schemathesis $SCHEMATHESIS_VERSION against $API/docs-json"
# One worker: with two, hypothesis describes its filters with `ast` from two threads at once, and
# Python 3.11's parser then fails with "AST constructor recursion depth mismatch" (a runtime error
# in schemathesis, not a finding about the API).
# Schemathesis closes its report with a pytest-style rule ("=== 3 warnings in 124.43s ===") that
# CI's log readers take for pytest closing on no test executed; the rules are reworded so the only
# closing line of a run stays jest's. pipefail keeps schemathesis's exit status.
"$VENV/bin/st" --config-file deploy/local/schemathesis/schemathesis.toml run "$API/docs-json" \
  --checks all \
  --seed "${FLOWLINE_SCHEMATHESIS_SEED:-20251}" \
  --max-examples "${FLOWLINE_SCHEMATHESIS_EXAMPLES:-30}" \
  ${FLOWLINE_SCHEMATHESIS_MAX_TIME:+--max-time "$FLOWLINE_SCHEMATHESIS_MAX_TIME"} \
  --workers 1 \
  --report junit,ndjson --report-dir "$REPORT_DIR" \
  "$@" 2>&1 |
  sed -u -E -e 's/^=+ (.*) in ([0-9.]+s) =+$/schemathesis: \1 (took \2)/' -e 's/^=+ (.*) =+$/--- \1 ---/'
