#!/usr/bin/env bash
# Runs the README's first command (`deploy/local/run.sh`) as a newcomer would and checks that
# the demo's three webhooks arrive at its receiver, then stops it. Used by .ci/run, so the run
# command is proven on every submission, not only the test command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

LOG=$(mktemp -t flowline-demo.XXXXXX)
# A port of its own: a demo left running by hand keeps 18090.
export FLOWLINE_DEMO_RECEIVER_PORT=${FLOWLINE_DEMO_RECEIVER_PORT:-18190}
export PORT=${PORT:-18180}
setsid bash deploy/local/run.sh >"$LOG" 2>&1 &
RUN_PID=$!
stop_demo() { kill -TERM -- "-$RUN_PID" 2>/dev/null || true; wait "$RUN_PID" 2>/dev/null || true; }
trap stop_demo EXIT

deadline=$((SECONDS + ${FLOWLINE_DEMO_TIMEOUT_S:-300}))
while (($(grep -c 'webhook received' "$LOG" || true) < 3)); do
  if ! kill -0 "$RUN_PID" 2>/dev/null || ((SECONDS > deadline)); then
    echo "demo-check: the demo's webhooks did not arrive; its output:" >&2
    cat "$LOG" >&2
    exit 1
  fi
  sleep 1
done
echo "PASS  demo: deploy/local/run.sh delivered its 3 webhooks to the demo receiver"
