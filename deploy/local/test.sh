#!/usr/bin/env bash
# Runs every check and test on a fresh machine: packages, PostgreSQL (with TLS), Kafka (the
# single broker, and the SASL_SSL one and the three-broker cluster for the secured-connection and
# durability tests), then the build, lint and type check beside the OpenAPI document against the API
# (schemathesis; FLOWLINE_SKIP_SCHEMATHESIS=1 skips it), and jest (unit, integration, end-to-end
# and browser tiers; the browser tests drive Debian's chromium, installed here when missing). Extra
# arguments go to jest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages
ensure_chromium
ensure_infrastructure
# The secured-connection tests need the SASL_SSL broker and the durability tests the three-broker
# cluster (deploy/local/kafka.sh's `secure` and `cluster` profiles); they start (the broker's
# certificates made, the first time) while lint and type check run.
mkdir -p .local
log "starting the SASL_SSL broker and the three-broker cluster in the background"
bash deploy/local/kafka.sh start secure >.local/kafka-secure-start.log 2>&1 &
secure_broker=$!
bash deploy/local/kafka.sh start cluster >.local/kafka-cluster-start.log 2>&1 &
cluster=$!
# schemathesis (two minutes, mostly the api's and its own CPU) runs beside lint and the type check
# (eslint and tsc use one core each); its report is printed whole once they are done. It needs
# dist/, which the build below makes first, so nothing builds while it runs.
log "build"
npm run --silent build
schemathesis_status=0
if [ -z "${FLOWLINE_SKIP_SCHEMATHESIS:-}" ]; then
  log "OpenAPI document against the API (schemathesis), in the background"
  FLOWLINE_SCHEMATHESIS_BUILT=1 bash deploy/local/schemathesis.sh >.local/schemathesis-run.log 2>&1 &
  schemathesis=$!
fi
# Niced: schemathesis (one Python process and the api) is the longer of the two, so it gets the
# CPU first, and lint and the type check take what is left (about 30 s sooner to jest in CI).
log "lint and format"
nice -n 10 npm run --silent lint
log "type check"
nice -n 10 npm run --silent typecheck
if [ -n "${schemathesis:-}" ]; then
  wait "$schemathesis" || schemathesis_status=$?
  log "schemathesis's report"
  cat .local/schemathesis-run.log
  # jest runs all the same, so the run still ends with its summary; the failure is kept for last.
  [ "$schemathesis_status" -eq 0 ] || log "schemathesis failed (exit $schemathesis_status): see its report above"
fi
for started in "$secure_broker:secure" "$cluster:cluster"; do
  if ! wait "${started%%:*}"; then
    cat ".local/kafka-${started#*:}-start.log" >&2
    exit 1
  fi
done
log "tests"
npm run --silent jest -- "$@"
exit "$schemathesis_status"
