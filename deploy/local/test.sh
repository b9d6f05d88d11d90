#!/usr/bin/env bash
# Runs every check and test on a fresh machine: packages, PostgreSQL (with TLS), Kafka (the
# single broker, and the SASL_SSL one for the secured-connection tests), then lint,
# type check and jest (unit, integration and end-to-end tiers). Extra arguments go to jest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages
ensure_infrastructure
# The secured-connection tests need the SASL_SSL broker (deploy/local/kafka.sh's `secure`
# profile); it starts (its certificates made, the first time) while lint and type check run.
mkdir -p .local
log "starting the SASL_SSL broker in the background"
bash deploy/local/kafka.sh start secure >.local/kafka-secure-start.log 2>&1 &
secure_broker=$!
log "lint and format"
npm run --silent lint
log "type check"
npm run --silent typecheck
if ! wait "$secure_broker"; then
  cat .local/kafka-secure-start.log >&2
  exit 1
fi
log "tests"
npm run --silent jest -- "$@"
