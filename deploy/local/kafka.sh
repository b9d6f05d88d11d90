#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, broker+controller combined) for Flowline
# development and tests. No Docker, no tarball download: the broker jars come
# from Maven Central through Maven (deploy/local/kafka/pom.xml).
#
# Usage: deploy/local/kafka.sh <fetch|start|stop|status|logs|help>
#
#   fetch   resolve the broker jars into .cache/kafka/<version>/libs (no-op when complete)
#   start   fetch if needed, write config, format storage once, start in background,
#           wait until the client port answers (idempotent)
#   stop    SIGTERM, wait up to KAFKA_STOP_TIMEOUT s, then SIGKILL (idempotent)
#   status  exit 0 when running (pid alive and client port answers), 1 otherwise
#   logs    tail the broker log; extra args go to tail (e.g. `logs -f`, `logs -n 500`)
#
# Environment (all optional):
#   KAFKA_VERSION            Kafka version (default: KAFKA_DEFAULT_VERSION below)
#   KAFKA_PORT               client (PLAINTEXT) port, default 9092
#   KAFKA_CONTROLLER_PORT    KRaft controller port, default 9093
#   KAFKA_BIND_HOST          address the listeners bind to, default 127.0.0.1
#   KAFKA_ADVERTISED_HOST    host advertised to clients, default localhost
#   KAFKA_HEAP_OPTS          default "-Xms256m -Xmx512m"
#   KAFKA_JVM_PERFORMANCE_OPTS  GC/JIT flags (default tuned for a small 2-core box)
#   KAFKA_OPTS               extra JVM flags appended last
#   KAFKA_START_TIMEOUT      seconds to wait for the broker, default 60
#   KAFKA_STOP_TIMEOUT       seconds to wait after SIGTERM, default 30
#   KAFKA_MVN_ARGS           extra arguments for mvn during fetch (e.g. -Dmaven.repo.local=...)
#   FLOWLINE_LOCAL_DIR       state root, default <repo>/.local (data, pid, logs under <it>/kafka)
#   FLOWLINE_CACHE_DIR       cache root, default <repo>/.cache (jars under <it>/kafka/<version>/libs)
#   JAVA_HOME                JDK to use (17+), otherwise `java` from PATH
set -euo pipefail

# Keep in sync with <kafka.version> in deploy/local/kafka/pom.xml and
# docs/decisions/0001-kafka-broker-version.md.
readonly KAFKA_DEFAULT_VERSION="4.4.0"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/kafka/pom.xml"

abs_path() { # make a possibly-relative path absolute (relative to the caller's cwd)
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "$1" ;;
  esac
}

KAFKA_VERSION="${KAFKA_VERSION:-$KAFKA_DEFAULT_VERSION}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_BIND_HOST="${KAFKA_BIND_HOST:-127.0.0.1}"
KAFKA_ADVERTISED_HOST="${KAFKA_ADVERTISED_HOST:-localhost}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
# Measured on the 2-core dev box (docs/decisions/0001-kafka-broker-version.md):
# Serial GC = one GC thread and the smallest footprint (pauses are irrelevant at
# this heap size); C1 only (TieredStopAtLevel=1) = no C2 compile storm at startup,
# ~40% less broker CPU and ~30 MB less RSS, and still faster than kafkajs can push.
KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}"
KAFKA_OPTS="${KAFKA_OPTS:-}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_MVN_ARGS="${KAFKA_MVN_ARGS:-}"

LOCAL_ROOT="$(abs_path "${FLOWLINE_LOCAL_DIR:-$REPO_ROOT/.local}")"
CACHE_ROOT="$(abs_path "${FLOWLINE_CACHE_DIR:-$REPO_ROOT/.cache}")"

STATE_DIR="$LOCAL_ROOT/kafka"
DATA_DIR="$STATE_DIR/data"
CONFIG_FILE="$STATE_DIR/server.properties"
PID_FILE="$STATE_DIR/kafka.pid"
LOG_FILE="$STATE_DIR/server.log"
OUT_FILE="$STATE_DIR/kafka.out" # JVM stdout/stderr (crashes, JVM warnings)
CLUSTER_ID_FILE="$STATE_DIR/cluster.id"
FORMATTED_VERSION_FILE="$STATE_DIR/formatted-with.version"

CACHE_DIR="$CACHE_ROOT/kafka/$KAFKA_VERSION"
LIBS_DIR="$CACHE_DIR/libs"
MANIFEST="$LIBS_DIR/.manifest"

KAFKA_MAJOR="${KAFKA_VERSION%%.*}"

log() { printf '[kafka.sh] %s\n' "$*" >&2; }
die() {
  printf '[kafka.sh] ERROR: %s\n' "$*" >&2
  exit 1
}

now_ms() { date +%s%3N; }

validate() {
  [[ "$KAFKA_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+([.-][A-Za-z0-9.-]+)?$ ]] ||
    die "KAFKA_VERSION '$KAFKA_VERSION' does not look like a Kafka version"
  case "$KAFKA_MAJOR" in
    3 | 4) ;;
    *) die "unsupported KAFKA_VERSION $KAFKA_VERSION (supported: 3.x with KRaft, 4.x)" ;;
  esac
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if ! [[ "$p" =~ ^[0-9]+$ ]] || ((p < 1 || p > 65535)); then
      die "invalid port '$p'"
    fi
  done
  [[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ]] ||
    die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    die "java not found (install a JDK 17+ or set JAVA_HOME)"
  fi
}

# ---------------------------------------------------------------- fetch ---

cache_complete() {
  [[ -s "$MANIFEST" ]] || return 1
  grep -qx "kafka_2.13-$KAFKA_VERSION.jar" "$MANIFEST" || return 1
  local jar
  while IFS= read -r jar; do
    [[ -n "$jar" ]] || continue
    [[ -s "$LIBS_DIR/$jar" ]] || return 1
  done <"$MANIFEST"
  return 0
}

cmd_fetch() {
  if cache_complete; then
    log "Kafka $KAFKA_VERSION jars already cached in ${LIBS_DIR#"$REPO_ROOT"/} ($(wc -l <"$MANIFEST") jars)"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: Maven is needed to fetch the Kafka jars"
  [[ -f "$POM" ]] || die "missing $POM"

  mkdir -p "$CACHE_DIR"
  local tmp="$CACHE_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  trap 'rm -rf "'"$tmp"'"' EXIT

  local t0
  t0="$(now_ms)"
  log "resolving Kafka $KAFKA_VERSION (profile kafka-$KAFKA_MAJOR) from Maven Central via mvn ..."
  local mvn_log="$CACHE_DIR/mvn.log"
  # shellcheck disable=SC2086 # KAFKA_MVN_ARGS is intentionally word-split
  if ! mvn -B -ntp -Dstyle.color=never -f "$POM" -P "kafka-$KAFKA_MAJOR" \
    -Dkafka.version="$KAFKA_VERSION" \
    $KAFKA_MVN_ARGS \
    dependency:copy-dependencies \
    -DincludeScope=runtime \
    -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
    sed -e 's/\x1b\[[0-9;]*m//g' "$mvn_log" | grep -E 'ERROR|FAIL' | head -n 20 >&2 || true
    die "mvn could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (is the version published?); full log: $mvn_log"
  fi
  [[ -s "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "mvn finished but kafka_2.13-$KAFKA_VERSION.jar is missing"

  rm -f "$mvn_log"
  (cd "$tmp" && find . -maxdepth 1 -name '*.jar' -printf '%f\n' | LC_ALL=C sort >.manifest)
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  trap - EXIT
  log "fetched $(wc -l <"$MANIFEST") jars ($(du -sh "$LIBS_DIR" | cut -f1)) into ${LIBS_DIR#"$REPO_ROOT"/} in $(($(now_ms) - t0)) ms"
}

# ---------------------------------------------------------------- state ---

read_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [[ -n "$pid" ]] || return 1
  printf '%s\n' "$pid"
}

# The pid is alive and really is our broker (guards against pid reuse).
pid_alive() {
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qx 'kafka.Kafka' || return 1
  fi
  return 0
}

port_open() { # host port
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

is_running() {
  local pid
  pid="$(read_pid)" || return 1
  pid_alive "$pid" && port_open "$KAFKA_BIND_HOST" "$KAFKA_PORT"
}

# ---------------------------------------------------------------- config ---

write_config() {
  mkdir -p "$STATE_DIR" "$DATA_DIR"
  cat >"$CONFIG_FILE" <<EOF
# Generated by deploy/local/kafka.sh on every start -- edits are overwritten.
# Single-node KRaft: this process is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${KAFKA_BIND_HOST}:${KAFKA_CONTROLLER_PORT}
listeners=PLAINTEXT://${KAFKA_BIND_HOST}:${KAFKA_PORT},CONTROLLER://${KAFKA_BIND_HOST}:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://${KAFKA_ADVERTISED_HOST}:${KAFKA_PORT}
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER

log.dirs=${DATA_DIR}

# Single node: everything replicated once.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Internal topics: fewer partitions than the default 50 keep a dev box light.
offsets.topic.num.partitions=12
transaction.state.log.num.partitions=12

# Topics are created explicitly (like production); default for admin-created ones.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=12
group.initial.rebalance.delay.ms=0

# Light on a 2-core machine.
num.network.threads=2
num.io.threads=2
background.threads=4
num.recovery.threads.per.data.dir=1
num.replica.fetchers=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216

# Dev-box retention: 3 days or 256 MiB per partition, 64 MiB segments.
log.retention.hours=72
log.retention.bytes=268435456
log.segment.bytes=67108864
log.retention.check.interval.ms=300000
EOF
  if [[ "$KAFKA_MAJOR" -ge 4 ]]; then
    cat >>"$CONFIG_FILE" <<'EOF'

# Kafka 4.x share groups: their state topic defaults to replication factor 3.
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  fi

  if [[ "$KAFKA_MAJOR" -ge 4 ]]; then
    cat >"$STATE_DIR/log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by deploy/local/kafka.sh. Everything goes to ${kafka.logs.dir}/server.log. -->
<Configuration status="warn" shutdownHook="disable">
  <Appenders>
    <RollingFile name="server" fileName="${sys:kafka.logs.dir}/server.log"
                 filePattern="${sys:kafka.logs.dir}/server.log.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <Policies><SizeBasedTriggeringPolicy size="50 MB"/></Policies>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="server"/></Root>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="kafka.network.RequestChannel$" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
  </Loggers>
</Configuration>
EOF
  else
    cat >"$STATE_DIR/log4j.properties" <<'EOF'
# Generated by deploy/local/kafka.sh. Everything goes to ${kafka.logs.dir}/server.log.
log4j.rootLogger=INFO, server
log4j.appender.server=org.apache.log4j.RollingFileAppender
log4j.appender.server.File=${kafka.logs.dir}/server.log
log4j.appender.server.MaxFileSize=50MB
log4j.appender.server.MaxBackupIndex=3
log4j.appender.server.layout=org.apache.log4j.PatternLayout
log4j.appender.server.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
  fi
}

logging_opts() {
  if [[ "$KAFKA_MAJOR" -ge 4 ]]; then
    printf '%s\n' "-Dlog4j2.configurationFile=$STATE_DIR/log4j2.xml"
  else
    printf '%s\n' "-Dlog4j.configuration=file:$STATE_DIR/log4j.properties"
  fi
  printf '%s\n' "-Dkafka.logs.dir=$STATE_DIR"
}

# Runs a Kafka CLI class (e.g. the storage tool) in the foreground.
run_tool() {
  local java
  java="$(java_bin)"
  local -a opts
  mapfile -t opts < <(logging_opts)
  "$java" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${opts[@]}" -cp "$LIBS_DIR/*" "$@"
}

ensure_formatted() {
  local cluster_id
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cluster_id="$(tr -d '[:space:]' <"$CLUSTER_ID_FILE")"
  else
    cluster_id="$(run_tool kafka.tools.StorageTool random-uuid 2>>"$OUT_FILE" | tail -n 1 | tr -d '[:space:]')"
    [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "could not generate a cluster id (got '$cluster_id'), see $OUT_FILE"
    printf '%s\n' "$cluster_id" >"$CLUSTER_ID_FILE"
    log "generated cluster id $cluster_id (stored in $CLUSTER_ID_FILE)"
  fi

  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    local formatted_id
    formatted_id="$(sed -n 's/^cluster\.id=//p' "$DATA_DIR/meta.properties" | tr -d '[:space:]')"
    if [[ -n "$formatted_id" && "$formatted_id" != "$cluster_id" ]]; then
      die "$DATA_DIR is formatted for cluster $formatted_id but $CLUSTER_ID_FILE says $cluster_id; remove one of them"
    fi
    if [[ -s "$FORMATTED_VERSION_FILE" ]]; then
      local fv
      fv="$(cat "$FORMATTED_VERSION_FILE")"
      [[ "$fv" == "$KAFKA_VERSION" ]] ||
        log "WARNING: data dir was formatted by Kafka $fv, starting $KAFKA_VERSION (downgrades are not supported; rm -rf $STATE_DIR to start fresh)"
    fi
    return 0
  fi

  log "formatting $DATA_DIR (cluster id $cluster_id)"
  if ! run_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG_FILE" --ignore-formatted >>"$OUT_FILE" 2>&1; then
    tail -n 30 "$OUT_FILE" >&2 || true
    die "storage format failed"
  fi
  printf '%s\n' "$KAFKA_VERSION" >"$FORMATTED_VERSION_FILE"
}

# ---------------------------------------------------------------- start/stop ---

print_failure_tail() {
  if [[ -s "$LOG_FILE" ]]; then
    printf '%s\n' "----- last 40 lines of $LOG_FILE -----" >&2
    tail -n 40 "$LOG_FILE" >&2 || true
  fi
  if [[ -s "$OUT_FILE" ]]; then
    printf '%s\n' "----- last 20 lines of $OUT_FILE -----" >&2
    tail -n 20 "$OUT_FILE" >&2 || true
  fi
}

# Wait until the broker is up: process alive, startup finished (log line) and the
# client port accepts connections. $1 = byte offset of server.log before launch.
wait_ready() {
  local pid="$1" log_offset="$2" t0="$3"
  local deadline=$(($(date +%s) + KAFKA_START_TIMEOUT))
  local started=0
  while :; do
    if ! pid_alive "$pid"; then
      rm -f "$PID_FILE"
      print_failure_tail
      die "broker process $pid exited during startup"
    fi
    # The log rolled over since launch: search the new file from its start.
    if [[ -f "$LOG_FILE" ]] && (($(stat -c %s "$LOG_FILE") < log_offset)); then
      log_offset=0
    fi
    if ((started == 0)) && [[ -f "$LOG_FILE" ]] &&
      tail -c "+$((log_offset + 1))" "$LOG_FILE" 2>/dev/null | grep -q 'Kafka Server started'; then
      started=1
    fi
    if ((started == 1)) && port_open "$KAFKA_BIND_HOST" "$KAFKA_PORT"; then
      local rss_kb
      rss_kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo '?')"
      log "Kafka $KAFKA_VERSION up on ${KAFKA_ADVERTISED_HOST}:${KAFKA_PORT} (pid $pid, ready in $(($(now_ms) - t0)) ms, RSS ${rss_kb} kB)"
      return 0
    fi
    if (($(date +%s) >= deadline)); then
      print_failure_tail
      die "broker did not become ready within ${KAFKA_START_TIMEOUT}s (pid $pid still running; '$0 stop' to kill it)"
    fi
    sleep 0.25
  done
}

cmd_start() {
  local t0
  t0="$(now_ms)"
  mkdir -p "$STATE_DIR"
  # Serialise concurrent start/stop on the same state dir.
  exec 9>"$STATE_DIR/.lock"
  flock -w 120 9 || die "could not lock $STATE_DIR/.lock"

  local pid
  if pid="$(read_pid)" && pid_alive "$pid"; then
    if port_open "$KAFKA_BIND_HOST" "$KAFKA_PORT"; then
      log "already running (pid $pid, ${KAFKA_ADVERTISED_HOST}:${KAFKA_PORT})"
      return 0
    fi
    local want_listeners="listeners=PLAINTEXT://${KAFKA_BIND_HOST}:${KAFKA_PORT},CONTROLLER://${KAFKA_BIND_HOST}:${KAFKA_CONTROLLER_PORT}"
    if [[ -f "$CONFIG_FILE" ]] && ! grep -qxF "$want_listeners" "$CONFIG_FILE"; then
      die "a broker (pid $pid) already runs from $STATE_DIR with other ports ($(grep '^listeners=' "$CONFIG_FILE")); stop it first or use another FLOWLINE_LOCAL_DIR"
    fi
    log "pid $pid is alive but port $KAFKA_PORT does not answer yet; waiting"
    wait_ready "$pid" 0 "$t0"
    return 0
  fi
  rm -f "$PID_FILE"

  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$KAFKA_BIND_HOST" "$p"; then
      die "port $p on $KAFKA_BIND_HOST is already in use by another process (not this script's broker in $STATE_DIR); choose other ports, e.g. KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 FLOWLINE_LOCAL_DIR=/tmp/kafka-alt"
    fi
  done

  cmd_fetch
  write_config
  ensure_formatted

  local java
  java="$(java_bin)"
  local -a jvm_opts=()
  local -a heap perf extra logopts
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  read -r -a perf <<<"$KAFKA_JVM_PERFORMANCE_OPTS"
  read -r -a extra <<<"$KAFKA_OPTS"
  mapfile -t logopts < <(logging_opts)
  jvm_opts+=("${heap[@]}" "${perf[@]}" "${logopts[@]}")
  ((${#extra[@]})) && jvm_opts+=("${extra[@]}")

  local log_offset=0
  [[ -f "$LOG_FILE" ]] && log_offset="$(stat -c %s "$LOG_FILE")"

  log "starting Kafka $KAFKA_VERSION (state in $STATE_DIR)"
  printf '\n===== %s starting Kafka %s =====\n' "$(date -Is)" "$KAFKA_VERSION" >>"$OUT_FILE"
  # New session so the broker survives the calling shell/terminal; the inner
  # shell writes its own pid and then execs java, so the pid file is java's pid.
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PID_FILE" \
    "$java" "${jvm_opts[@]}" -cp "$LIBS_DIR/*" kafka.Kafka "$CONFIG_FILE" \
    >>"$OUT_FILE" 2>&1 </dev/null 9>&- &
  disown || true

  local _
  for _ in $(seq 1 40); do
    pid="$(read_pid 2>/dev/null)" && break
    sleep 0.05
  done
  [[ -n "${pid:-}" ]] || die "broker launcher did not write $PID_FILE"
  wait_ready "$pid" "$log_offset" "$t0"
}

cmd_stop() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  flock -w 120 9 || die "could not lock $STATE_DIR/.lock"

  local pid
  if ! pid="$(read_pid)" || ! pid_alive "$pid"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  local t0
  t0="$(now_ms)"
  log "stopping Kafka (pid $pid) ..."
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(($(date +%s) + KAFKA_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if (($(date +%s) >= deadline)); then
      log "still alive after ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
  log "stopped in $(($(now_ms) - t0)) ms"
}

cmd_status() {
  local pid
  if pid="$(read_pid)" && pid_alive "$pid"; then
    if port_open "$KAFKA_BIND_HOST" "$KAFKA_PORT"; then
      local rss_kb
      rss_kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo '?')"
      echo "running: pid $pid, ${KAFKA_ADVERTISED_HOST}:${KAFKA_PORT}, controller ${KAFKA_CONTROLLER_PORT}, RSS ${rss_kb} kB, state $STATE_DIR"
      return 0
    fi
    echo "starting (pid $pid alive, port $KAFKA_PORT not answering yet)"
    return 1
  fi
  echo "not running"
  return 1
}

cmd_logs() {
  [[ -f "$LOG_FILE" ]] || die "no log yet at $LOG_FILE"
  if (($#)); then
    exec tail "$@" "$LOG_FILE"
  fi
  exec tail -n 200 "$LOG_FILE"
}

usage() {
  sed -n '2,/^set -euo pipefail/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-help}"
  (($#)) && shift
  case "$cmd" in
    fetch)
      validate
      cmd_fetch
      ;;
    start)
      validate
      cmd_start
      ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    help | -h | --help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
