#!/usr/bin/env bash
# Benchmarks (docs/BENCHMARKS.md): starts what they need, then prints figures.
#   deploy/local/bench.sh [events]                 end to end (test/bench/pipeline.bench.ts)
#   deploy/local/bench.sh delivery [deliveries]    the dispatcher alone (test/bench/delivery.bench.ts)
#   deploy/local/bench.sh retention [deliveries]   retention on a big delivery log (test/bench/retention.bench.ts)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages
ensure_infrastructure
npm run --silent build
swc test/bench -d dist --config-file .swcrc --quiet
bench=pipeline
if [ "${1:-}" = delivery ] || [ "${1:-}" = retention ]; then
  bench=$1
  shift
fi
node --disable-warning=TimeoutNegativeWarning "dist/test/bench/$bench.bench.js" "$@"
