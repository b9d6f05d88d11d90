#!/usr/bin/env bash
# Runs every check and test on a fresh machine: packages, PostgreSQL, Kafka, then lint,
# type check, the OpenAPI document against the API (schemathesis; FLOWLINE_SKIP_SCHEMATHESIS=1
# skips it) and jest (unit, integration and end-to-end tiers). Extra arguments go to jest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages
ensure_infrastructure
log "lint and format"
npm run --silent lint
log "type check"
npm run --silent typecheck
schemathesis_status=0
if [ -z "${FLOWLINE_SKIP_SCHEMATHESIS:-}" ]; then
  log "OpenAPI document against the API (schemathesis)"
  bash deploy/local/schemathesis.sh || schemathesis_status=$?
  # jest runs all the same, so the run still ends with its summary; the failure is kept for last.
  [ "$schemathesis_status" -eq 0 ] || log "schemathesis failed (exit $schemathesis_status): see its report above"
fi
log "tests"
npm run --silent jest -- "$@"
exit "$schemathesis_status"
