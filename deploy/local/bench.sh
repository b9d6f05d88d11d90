#!/usr/bin/env bash
# Benchmarks (docs/BENCHMARKS.md): starts what they need, then prints figures.
#   deploy/local/bench.sh [--durable] [events]                 end to end (test/bench/pipeline.bench.ts)
#   deploy/local/bench.sh [--durable] delivery [deliveries]    the dispatcher alone (test/bench/delivery.bench.ts)
#   deploy/local/bench.sh retention [deliveries]               retention on a big delivery log (test/bench/retention.bench.ts)
#
# --durable: against a second local PostgreSQL with production durability (fsync and
# synchronous_commit on; FLOWLINE_PG_DURABLE in postgres.sh) on FLOWLINE_PG_DURABLE_PORT
# (default: FLOWLINE_PG_PORT + 1). The benchmarks are told the broker's and PostgreSQL's process
# ids (BENCH_BROKER_PID, BENCH_PG_PID) when they run here, so they count their CPU too.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

durable=off
if [ "${1:-}" = --durable ]; then
  durable=on
  shift
fi

ensure_packages
if [ "$durable" = on ]; then
  unset DATABASE_URL
  export FLOWLINE_PG_PORT=${FLOWLINE_PG_DURABLE_PORT:-$((${FLOWLINE_PG_PORT:-5432} + 1))}
  export FLOWLINE_PG_DURABLE=on
fi
ensure_infrastructure
if pg_pid=$(bash deploy/local/postgres.sh pid 2>/dev/null); then export BENCH_PG_PID=$pg_pid; fi
broker_pid_file=${FLOWLINE_LOCAL_DIR:-$ROOT/.local}/kafka/kafka.pid
if [ -r "$broker_pid_file" ] && [ "$KAFKA_BROKERS" = "localhost:${KAFKA_PORT:-9092}" ]; then
  export BENCH_BROKER_PID=$(tr -dc '0-9' < "$broker_pid_file")
fi
export BENCH_POSTGRES="fsync $durable"
npm run --silent build
swc test/bench -d dist --config-file .swcrc --quiet
bench=pipeline
if [ "${1:-}" = delivery ] || [ "${1:-}" = retention ]; then
  bench=$1
  shift
fi
node --disable-warning=TimeoutNegativeWarning ${BENCH_NODE_OPTIONS:-} "dist/test/bench/$bench.bench.js" "$@"
