#!/usr/bin/env bash
# Benchmarks (docs/BENCHMARKS.md): starts what they need, then prints figures.
#   deploy/local/bench.sh [events]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages
ensure_infrastructure
npm run --silent build
swc test/bench -d dist --config-file .swcrc --quiet
node --disable-warning=TimeoutNegativeWarning dist/test/bench/pipeline.bench.js "$@"
