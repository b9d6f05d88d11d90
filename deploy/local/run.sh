#!/usr/bin/env bash
# Runs Flowline locally: packages, PostgreSQL, Kafka, topics and migrations, then every service
# in one process with the demo (a tenant, a flow, a mapping, a receiver printing webhooks, and
# sample events). `deploy/local/run.sh all` (or service names) runs without the demo.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages
ensure_infrastructure
log "building"
npm run --silent build
log "starting Flowline ${*:-demo}"
export LOG_LEVEL=${LOG_LEVEL:-warn}
# Local development values (README's worked example uses them); set your own for anything real.
export FLOWLINE_ADMIN_TOKEN=${FLOWLINE_ADMIN_TOKEN:-change-me-admin-token-0001}
export FLOWLINE_SECRET_KEY=${FLOWLINE_SECRET_KEY:-local-development-secret-key-not-for-production}
export FLOWLINE_ALLOW_PRIVATE_TARGETS=${FLOWLINE_ALLOW_PRIVATE_TARGETS-127.0.0.0/8,::1}
# kafkajs sets negative timers that Node 24 warns about; harmless (they fire at once).
exec node --disable-warning=TimeoutNegativeWarning dist/services/cluster/src/main.js "${@:-demo}"
