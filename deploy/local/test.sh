#!/usr/bin/env bash
# Runs every check and test on a fresh machine: packages, PostgreSQL (with TLS), Kafka (the
# single broker, and the SASL_SSL one for the secured-connection tests), then lint,
# type check and jest (unit, integration and end-to-end tiers). Extra arguments go to jest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages
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
log "lint and format"
npm run --silent lint
log "type check"
npm run --silent typecheck
for started in "$secure_broker:secure" "$cluster:cluster"; do
  if ! wait "${started%%:*}"; then
    cat ".local/kafka-${started#*:}-start.log" >&2
    exit 1
  fi
done
log "tests"
npm run --silent jest -- "$@"
