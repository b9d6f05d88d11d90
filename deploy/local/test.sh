#!/usr/bin/env bash
# Runs every check and test on a fresh machine: packages, PostgreSQL, Kafka, then lint,
# type check and jest (unit, integration and end-to-end tiers). Extra arguments go to jest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages
ensure_infrastructure
log "lint and format"
npm run --silent lint
log "type check"
npm run --silent typecheck
log "tests"
npm run --silent jest -- "$@"
