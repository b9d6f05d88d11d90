# Shared by the local scripts: install packages when needed, put the project's Node 24 first on
# PATH, and start the infrastructure (PostgreSQL, Kafka) unless it is given from outside.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

# Stamped with the time of day, so a CI log shows what each stage took.
log() { printf '\033[1m==> %s\033[0m  (%s)\n' "$*" "$(date +%T)"; }

ensure_packages() {
  # Install when node_modules is missing or older than the lock file. `npm ci` installs exactly
  # what the lock says (it lists every platform's optional native packages) and never rewrites it.
  # A node_modules that is a symbolic link is another checkout's (a git worktree sharing it): it
  # is left alone, since reinstalling it would pull it from under that checkout's running processes.
  if [ -L node_modules ]; then
    [ -x node_modules/.bin/node ] || { echo "node_modules links to an empty install: run 'npm ci' where it points" >&2; exit 1; }
  elif [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  # Every later node and npm call runs on the project's pinned Node 24 (the node@24 package).
  export PATH="$ROOT/node_modules/.bin:$PATH"
}

ensure_infrastructure() {
  log "starting PostgreSQL"
  bash deploy/local/postgres.sh start
  export DATABASE_URL=${DATABASE_URL:-$(bash deploy/local/postgres.sh url)}
  if [ -z "${KAFKA_BROKERS:-}" ]; then
    log "starting Kafka"
    bash deploy/local/kafka.sh start
    export KAFKA_BROKERS="localhost:${KAFKA_PORT:-9092}"
  fi
}

ensure_chromium() {
  # The console's browser tests drive Debian's chromium with playwright-core (a downloaded browser
  # build cannot be fetched here). Installed once, by apt, when it is missing; CHROMIUM_PATH
  # points the tests at another browser instead.
  if [ -n "${CHROMIUM_PATH:-}" ] || command -v chromium > /dev/null 2>&1; then return; fi
  log "installing chromium"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium > /dev/null
}
