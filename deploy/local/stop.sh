#!/usr/bin/env bash
# Stops the local infrastructure started by run.sh or test.sh (data is kept in .local/).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$ROOT/deploy/local/kafka.sh" stop all
bash "$ROOT/deploy/local/postgres.sh" stop
