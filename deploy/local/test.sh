#!/usr/bin/env bash
# Runs every check and test on a fresh machine: packages, PostgreSQL, Kafka, then lint,
# type check, the console's build and jest (unit, integration, end-to-end and browser tiers; the
# browser tests drive Debian's chromium, installed here when missing). Extra arguments go to jest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages
ensure_chromium
ensure_infrastructure
log "lint and format"
npm run --silent lint
log "type check"
npm run --silent typecheck
log "console build"
npm run --silent build:console
log "tests"
npm run --silent jest -- "$@"
