#!/usr/bin/env bash
# Local Apache Kafka (KRaft) for Flowline development and tests. No Docker, no tarball
# download: the broker jars come from Maven Central through Maven (deploy/local/kafka/pom.xml).
#
# Usage: deploy/local/kafka.sh <fetch|start|stop|status|logs|env|help> [PROFILE [NODE]]
#
#   fetch   resolve the broker jars into .cache/kafka/<version>/libs (no-op when complete)
#   start   fetch if needed, write config, format storage once, start in background,
#           wait until the client port answers (idempotent)
#   stop    SIGTERM, wait up to KAFKA_STOP_TIMEOUT s, then SIGKILL (idempotent);
#           `stop all` stops every profile
#   status  exit 0 when running (pid alive and client port answers), 1 otherwise
#   logs    tail the broker log; extra args go to tail (`logs -f`, `logs secure -n 500`)
#   env     print a client's settings for a profile (KAFKA_BROKERS and, for `secure`, the
#           KAFKA_SSL_* and KAFKA_SASL_* settings), ready for `set -a; source <(...)`
#
# Profiles (each has its own state under FLOWLINE_LOCAL_DIR; without one, `single`):
#   single   one broker+controller, PLAINTEXT on KAFKA_PORT (state: kafka/)
#   secure   one broker+controller whose only client listener is SASL_SSL on KAFKA_SECURE_PORT:
#            TLS with a client certificate required (mutual TLS), then SASL SCRAM-SHA-512,
#            SCRAM-SHA-256 or PLAIN. Certificates are made with keytool
#            (deploy/local/tls/certs.sh: a CA, the broker's keystore and truststore, a client
#            certificate and PEM exports for kafkajs); the SCRAM credentials are added when the
#            storage is formatted (kafka-storage format --add-scram). State: kafka-secure/
#   cluster  three brokers+controllers forming one KRaft quorum, PLAINTEXT on KAFKA_CLUSTER_PORT
#            and the two ports after it; new topics get replication factor 3 and
#            min.insync.replicas 2. `start cluster 2` / `stop cluster 2` start or stop one node.
#            State: kafka-cluster/node-N/
#
# Environment (all optional):
#   KAFKA_VERSION            Kafka version (default: KAFKA_DEFAULT_VERSION below)
#   KAFKA_PORT               single: client (PLAINTEXT) port, default 9092
#   KAFKA_CONTROLLER_PORT    single: KRaft controller port, default 9093
#   KAFKA_SECURE_PORT        secure: client (SASL_SSL) port, default 9094
#   KAFKA_SECURE_CONTROLLER_PORT  secure: controller port, default 9095
#   KAFKA_SECURE_USER        secure: the client's SASL user, default flowline (its password is
#                            generated once and printed by `env secure`)
#   KAFKA_CLUSTER_PORT       cluster: first of three client ports, default 9096 (9096-9098)
#   KAFKA_CLUSTER_CONTROLLER_PORT  cluster: first of three controller ports, default 9196
#   KAFKA_BIND_HOST          address the listeners bind to, default 127.0.0.1
#   KAFKA_ADVERTISED_HOST    host advertised to clients, default localhost
#   KAFKA_HEAP_OPTS          default "-Xms256m -Xmx512m" (single), "-Xms128m -Xmx320m" (secure,
#                            each cluster node)
#   KAFKA_JVM_PERFORMANCE_OPTS  GC/JIT flags (default tuned for a small 2-core box)
#   KAFKA_OPTS               extra JVM flags appended last
#   KAFKA_START_TIMEOUT      seconds to wait for the broker, default 60 (90 for the cluster)
#   KAFKA_STOP_TIMEOUT       seconds to wait after SIGTERM, default 30
#   KAFKA_MVN_ARGS           extra arguments for mvn during fetch (e.g. -Dmaven.repo.local=...)
#   FLOWLINE_LOCAL_DIR       state root, default <repo>/.local
#   FLOWLINE_CACHE_DIR       cache root, default <repo>/.cache (jars under <it>/kafka/<version>/libs)
#   JAVA_HOME                JDK to use (17+), otherwise `java` from PATH
set -euo pipefail

# Keep in sync with <kafka.version> in deploy/local/kafka/pom.xml and
# docs/decisions/0001-kafka-broker-version.md.
readonly KAFKA_DEFAULT_VERSION="4.4.0"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/kafka/pom.xml"
CERTS="$SCRIPT_DIR/tls/certs.sh"

abs_path() { # make a possibly-relative path absolute (relative to the caller's cwd)
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "$1" ;;
  esac
}

KAFKA_VERSION="${KAFKA_VERSION:-$KAFKA_DEFAULT_VERSION}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_SECURE_PORT="${KAFKA_SECURE_PORT:-9094}"
KAFKA_SECURE_CONTROLLER_PORT="${KAFKA_SECURE_CONTROLLER_PORT:-9095}"
KAFKA_SECURE_USER="${KAFKA_SECURE_USER:-flowline}"
KAFKA_CLUSTER_PORT="${KAFKA_CLUSTER_PORT:-9096}"
KAFKA_CLUSTER_CONTROLLER_PORT="${KAFKA_CLUSTER_CONTROLLER_PORT:-9196}"
KAFKA_BIND_HOST="${KAFKA_BIND_HOST:-127.0.0.1}"
KAFKA_ADVERTISED_HOST="${KAFKA_ADVERTISED_HOST:-localhost}"
# Measured on the 2-core dev box (docs/decisions/0001-kafka-broker-version.md):
# Serial GC = one GC thread and the smallest footprint (pauses are irrelevant at
# this heap size); C1 only (TieredStopAtLevel=1) = no C2 compile storm at startup,
# ~40% less broker CPU and ~30 MB less RSS, and still faster than kafkajs can push.
KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true}"
KAFKA_OPTS="${KAFKA_OPTS:-}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_MVN_ARGS="${KAFKA_MVN_ARGS:-}"

LOCAL_ROOT="$(abs_path "${FLOWLINE_LOCAL_DIR:-$REPO_ROOT/.local}")"
CACHE_ROOT="$(abs_path "${FLOWLINE_CACHE_DIR:-$REPO_ROOT/.cache}")"

CACHE_DIR="$CACHE_ROOT/kafka/$KAFKA_VERSION"
LIBS_DIR="$CACHE_DIR/libs"
MANIFEST="$LIBS_DIR/.manifest"

KAFKA_MAJOR="${KAFKA_VERSION%%.*}"
PROFILES=(single secure cluster)

log() { printf '[kafka.sh] %s\n' "$*" >&2; }
die() {
  printf '[kafka.sh] ERROR: %s\n' "$*" >&2
  exit 1
}

now_ms() { date +%s%3N; }

# select_node PROFILE NODE: points every per-broker variable at one broker of a profile.
select_node() {
  PROFILE=$1
  NODE_ID=$2
  case "$PROFILE" in
    single)
      PROFILE_DIR="$LOCAL_ROOT/kafka"
      STATE_DIR="$PROFILE_DIR"
      CLIENT_PORT="$KAFKA_PORT"
      CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT"
      HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
      ;;
    secure)
      PROFILE_DIR="$LOCAL_ROOT/kafka-secure"
      STATE_DIR="$PROFILE_DIR"
      CLIENT_PORT="$KAFKA_SECURE_PORT"
      CONTROLLER_PORT="$KAFKA_SECURE_CONTROLLER_PORT"
      HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx320m}"
      ;;
    cluster)
      PROFILE_DIR="$LOCAL_ROOT/kafka-cluster"
      STATE_DIR="$PROFILE_DIR/node-$NODE_ID"
      CLIENT_PORT=$((KAFKA_CLUSTER_PORT + NODE_ID - 1))
      CONTROLLER_PORT=$((KAFKA_CLUSTER_CONTROLLER_PORT + NODE_ID - 1))
      HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx320m}"
      ;;
    *) die "unknown profile '$PROFILE' (profiles: ${PROFILES[*]})" ;;
  esac
  DATA_DIR="$STATE_DIR/data"
  CONFIG_FILE="$STATE_DIR/server.properties"
  PID_FILE="$STATE_DIR/kafka.pid"
  LOG_FILE="$STATE_DIR/server.log"
  OUT_FILE="$STATE_DIR/kafka.out" # JVM stdout/stderr (crashes, JVM warnings)
  # One cluster id per profile: the three nodes of `cluster` share theirs.
  CLUSTER_ID_FILE="$PROFILE_DIR/cluster.id"
  FORMATTED_VERSION_FILE="$STATE_DIR/formatted-with.version"
  TLS_DIR="$PROFILE_DIR/tls"
  SECRETS_FILE="$PROFILE_DIR/credentials" # SASL passwords of the secure profile (mode 600)
}

node_label() {
  if [[ "$PROFILE" == cluster ]]; then echo "cluster node $NODE_ID"; else echo "$PROFILE"; fi
}

# The nodes of a profile: every one, or the one asked for.
profile_nodes() {
  local profile=$1 node=${2:-}
  if [[ "$profile" == cluster ]]; then
    if [[ -n "$node" ]]; then
      [[ "$node" =~ ^[123]$ ]] || die "cluster NODE must be 1, 2 or 3"
      echo "$node"
    else
      echo "1 2 3"
    fi
  else
    [[ -z "$node" ]] || die "only the cluster profile has nodes"
    echo 1
  fi
}

validate() {
  [[ "$KAFKA_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+([.-][A-Za-z0-9.-]+)?$ ]] ||
    die "KAFKA_VERSION '$KAFKA_VERSION' does not look like a Kafka version"
  case "$KAFKA_MAJOR" in
    3 | 4) ;;
    *) die "unsupported KAFKA_VERSION $KAFKA_VERSION (supported: 3.x with KRaft, 4.x)" ;;
  esac
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KAFKA_SECURE_PORT" "$KAFKA_SECURE_CONTROLLER_PORT" \
    "$KAFKA_CLUSTER_PORT" "$KAFKA_CLUSTER_CONTROLLER_PORT"; do
    if ! [[ "$p" =~ ^[0-9]+$ ]] || ((p < 1 || p > 65533)); then
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

# ---------------------------------------------------------------- config ---

listeners_line() {
  case "$PROFILE" in
    secure) printf '%s\n' "listeners=SASL_SSL://${KAFKA_BIND_HOST}:${CLIENT_PORT},CONTROLLER://${KAFKA_BIND_HOST}:${CONTROLLER_PORT}" ;;
    *) printf '%s\n' "listeners=PLAINTEXT://${KAFKA_BIND_HOST}:${CLIENT_PORT},CONTROLLER://${KAFKA_BIND_HOST}:${CONTROLLER_PORT}" ;;
  esac
}

# The SASL passwords of the secure profile: made once, kept with its state (the SCRAM
# credentials formatted into the storage must keep matching them).
secure_credentials() {
  mkdir -p "$PROFILE_DIR"
  if [[ ! -s "$SECRETS_FILE" ]]; then
    (
      umask 077
      printf 'ADMIN_PASSWORD=%s\nCLIENT_PASSWORD=%s\n' \
        "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')" "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')" >"$SECRETS_FILE"
    )
  fi
  # shellcheck disable=SC1090
  source "$SECRETS_FILE"
}

# A CA, the broker's keystore and truststore, and a client certificate (PEM for kafkajs).
secure_certificates() {
  if [[ -s "$TLS_DIR/broker.p12" && -s "$TLS_DIR/client.key" ]]; then return 0; fi
  local t0
  t0="$(now_ms)"
  log "making certificates with keytool in ${TLS_DIR#"$REPO_ROOT"/} ..."
  bash "$CERTS" ca "$TLS_DIR"
  # Two certificates of one CA: made side by side (each is a few keytool JVMs).
  bash "$CERTS" issue "$TLS_DIR" broker localhost "dns:localhost,ip:127.0.0.1" &
  bash "$CERTS" issue "$TLS_DIR" client "$KAFKA_SECURE_USER" "dns:localhost" || { wait; die "could not make the client certificate"; }
  wait $! || die "could not make the broker certificate"
  log "certificates made in $(($(now_ms) - t0)) ms"
}

write_config() {
  mkdir -p "$STATE_DIR" "$DATA_DIR"
  local voters replication min_isr advertised protocol_map inter_broker
  case "$PROFILE" in
    cluster)
      voters="1@${KAFKA_BIND_HOST}:${KAFKA_CLUSTER_CONTROLLER_PORT},2@${KAFKA_BIND_HOST}:$((KAFKA_CLUSTER_CONTROLLER_PORT + 1)),3@${KAFKA_BIND_HOST}:$((KAFKA_CLUSTER_CONTROLLER_PORT + 2))"
      replication=3
      min_isr=2
      ;;
    *)
      voters="${NODE_ID}@${KAFKA_BIND_HOST}:${CONTROLLER_PORT}"
      replication=1
      min_isr=1
      ;;
  esac
  if [[ "$PROFILE" == secure ]]; then
    advertised="SASL_SSL://${KAFKA_ADVERTISED_HOST}:${CLIENT_PORT}"
    protocol_map="CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL"
    inter_broker="SASL_SSL"
  else
    advertised="PLAINTEXT://${KAFKA_ADVERTISED_HOST}:${CLIENT_PORT}"
    protocol_map="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    inter_broker="PLAINTEXT"
  fi
  local comment="Single-node KRaft: this process is both broker and controller."
  [[ "$PROFILE" == cluster ]] && comment="Node $NODE_ID of a three-node KRaft cluster: each process is broker and controller."
  [[ "$PROFILE" == secure ]] && comment="Single-node KRaft with a SASL_SSL client listener (mutual TLS + SCRAM/PLAIN)."
  cat >"$CONFIG_FILE" <<CONF
# Generated by deploy/local/kafka.sh on every start -- edits are overwritten.
# ${comment}
process.roles=broker,controller
node.id=${NODE_ID}
controller.quorum.voters=${voters}
$(listeners_line)
advertised.listeners=${advertised}
listener.security.protocol.map=${protocol_map}
inter.broker.listener.name=${inter_broker}
controller.listener.names=CONTROLLER

log.dirs=${DATA_DIR}

# Replication: every broker of the profile holds a copy.
default.replication.factor=${replication}
min.insync.replicas=${min_isr}
offsets.topic.replication.factor=${replication}
transaction.state.log.replication.factor=${replication}
transaction.state.log.min.isr=${min_isr}
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
# Tests and benchmarks delete many topics: their files go within a second instead of a minute
# later (the default), in the middle of the next run's measurements.
log.segment.delete.delay.ms=1000
CONF
  if [[ "$KAFKA_MAJOR" -ge 4 ]]; then
    cat >>"$CONFIG_FILE" <<CONF

# Kafka 4.x share groups: their state topic defaults to replication factor 3.
share.coordinator.state.topic.replication.factor=${replication}
share.coordinator.state.topic.min.isr=${min_isr}
CONF
  fi
  if [[ "$PROFILE" == secure ]]; then
    local pass
    pass="$(cat "$TLS_DIR/store.pass")"
    cat >>"$CONFIG_FILE" <<CONF

# TLS: the broker's certificate (signed by the local CA) and a client certificate required.
ssl.keystore.type=PKCS12
ssl.keystore.location=${TLS_DIR}/broker.p12
ssl.keystore.password=${pass}
ssl.key.password=${pass}
ssl.truststore.type=PKCS12
ssl.truststore.location=${TLS_DIR}/truststore.p12
ssl.truststore.password=${pass}
# For a SASL_SSL listener only the listener's own setting requires client certificates.
listener.name.sasl_ssl.ssl.client.auth=required

# SASL: SCRAM credentials live in the cluster metadata (added by 'format --add-scram');
# PLAIN users are listed here. The broker talks to itself as 'admin' over SCRAM-SHA-512.
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${ADMIN_PASSWORD}";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${ADMIN_PASSWORD}";
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${ADMIN_PASSWORD}" user_admin="${ADMIN_PASSWORD}" user_${KAFKA_SECURE_USER}="${CLIENT_PASSWORD}";
CONF
    chmod 600 "$CONFIG_FILE"
  fi

  if [[ "$KAFKA_MAJOR" -ge 4 ]]; then
    cat >"$STATE_DIR/log4j2.xml" <<'CONF'
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
CONF
  else
    cat >"$STATE_DIR/log4j.properties" <<'CONF'
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
CONF
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
  mkdir -p "$PROFILE_DIR"
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

  local -a scram=()
  if [[ "$PROFILE" == secure ]]; then
    # The broker's own user (inter-broker) and the client's, for both SCRAM mechanisms.
    scram=(--add-scram "SCRAM-SHA-512=[name=admin,password=${ADMIN_PASSWORD}]"
      --add-scram "SCRAM-SHA-512=[name=${KAFKA_SECURE_USER},password=${CLIENT_PASSWORD}]"
      --add-scram "SCRAM-SHA-256=[name=${KAFKA_SECURE_USER},password=${CLIENT_PASSWORD}]")
  fi
  log "formatting $DATA_DIR (cluster id $cluster_id)"
  if ! run_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$CONFIG_FILE" --ignore-formatted "${scram[@]}" >>"$OUT_FILE" 2>&1; then
    tail -n 30 "$OUT_FILE" | sed -e 's/password=[^],]*/password=***/g' >&2 || true
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
# client port accepts connections. $1 = pid, $2 = byte offset of server.log before launch.
wait_ready() {
  local pid="$1" log_offset="$2" t0="$3" timeout="$4"
  local deadline=$(($(date +%s) + timeout))
  local started=0
  while :; do
    if ! pid_alive "$pid"; then
      rm -f "$PID_FILE"
      print_failure_tail
      die "broker process $pid ($PROFILE node $NODE_ID) exited during startup"
    fi
    # The log rolled over since launch: search the new file from its start.
    if [[ -f "$LOG_FILE" ]] && (($(stat -c %s "$LOG_FILE") < log_offset)); then
      log_offset=0
    fi
    if ((started == 0)) && [[ -f "$LOG_FILE" ]] &&
      tail -c "+$((log_offset + 1))" "$LOG_FILE" 2>/dev/null | grep -q 'Kafka Server started'; then
      started=1
    fi
    if ((started == 1)) && port_open "$KAFKA_BIND_HOST" "$CLIENT_PORT"; then
      local rss_kb
      rss_kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo '?')"
      log "Kafka $KAFKA_VERSION ($(node_label)) up on ${KAFKA_ADVERTISED_HOST}:${CLIENT_PORT} (pid $pid, ready in $(($(now_ms) - t0)) ms, RSS ${rss_kb} kB)"
      return 0
    fi
    if (($(date +%s) >= deadline)); then
      print_failure_tail
      die "broker did not become ready within ${timeout}s (pid $pid still running; '$0 stop $PROFILE' to kill it)"
    fi
    sleep 0.25
  done
}

# Starts the selected node in the background unless it runs; sets LAUNCHED_PID and
# LAUNCH_LOG_OFFSET (empty when it was running already and answers).
launch_node() {
  LAUNCHED_PID=""
  LAUNCH_LOG_OFFSET=0
  mkdir -p "$STATE_DIR"
  local pid
  if pid="$(read_pid)" && pid_alive "$pid"; then
    if port_open "$KAFKA_BIND_HOST" "$CLIENT_PORT"; then
      log "already running (pid $pid, ${KAFKA_ADVERTISED_HOST}:${CLIENT_PORT})"
      return 0
    fi
    local want_listeners
    want_listeners="$(listeners_line)"
    if [[ -f "$CONFIG_FILE" ]] && ! grep -qxF "$want_listeners" "$CONFIG_FILE"; then
      die "a broker (pid $pid) already runs from $STATE_DIR with other ports ($(grep '^listeners=' "$CONFIG_FILE")); stop it first or use another FLOWLINE_LOCAL_DIR"
    fi
    log "pid $pid is alive but port $CLIENT_PORT does not answer yet; waiting"
    LAUNCHED_PID=$pid
    return 0
  fi
  rm -f "$PID_FILE"

  local p
  for p in "$CLIENT_PORT" "$CONTROLLER_PORT"; do
    if port_open "$KAFKA_BIND_HOST" "$p"; then
      die "port $p on $KAFKA_BIND_HOST is already in use by another process (not this script's broker in $STATE_DIR); choose other ports, e.g. KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 FLOWLINE_LOCAL_DIR=/tmp/kafka-alt"
    fi
  done

  if [[ "$PROFILE" == secure ]]; then
    secure_credentials
    secure_certificates
  fi
  write_config
  ensure_formatted

  local java
  java="$(java_bin)"
  local -a jvm_opts=()
  local -a heap perf extra logopts
  read -r -a heap <<<"$HEAP_OPTS"
  read -r -a perf <<<"$KAFKA_JVM_PERFORMANCE_OPTS"
  read -r -a extra <<<"$KAFKA_OPTS"
  mapfile -t logopts < <(logging_opts)
  jvm_opts+=("${heap[@]}" "${perf[@]}" "${logopts[@]}")
  ((${#extra[@]})) && jvm_opts+=("${extra[@]}")

  [[ -f "$LOG_FILE" ]] && LAUNCH_LOG_OFFSET="$(stat -c %s "$LOG_FILE")"

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
  LAUNCHED_PID=$pid
}

cmd_start() {
  local profile=${1:-single} node=${2:-}
  local t0 timeout
  t0="$(now_ms)"
  timeout="${KAFKA_START_TIMEOUT:-60}"
  [[ "$profile" == cluster ]] && timeout="${KAFKA_START_TIMEOUT:-90}"
  local -a nodes
  read -r -a nodes <<<"$(profile_nodes "$profile" "$node")"
  select_node "$profile" "${nodes[0]}"
  mkdir -p "$PROFILE_DIR"
  # Serialise concurrent start/stop of the same profile.
  exec 9>"$PROFILE_DIR/.lock"
  flock -w 120 9 || die "could not lock $PROFILE_DIR/.lock"
  cmd_fetch
  # Every node is launched before any is waited for: a quorum of three elects no leader alone.
  local -a pids=() offsets=()
  local n
  for n in "${nodes[@]}"; do
    select_node "$profile" "$n"
    launch_node
    pids+=("$LAUNCHED_PID")
    offsets+=("$LAUNCH_LOG_OFFSET")
  done
  local i
  for i in "${!nodes[@]}"; do
    [[ -n "${pids[$i]}" ]] || continue
    select_node "$profile" "${nodes[$i]}"
    wait_ready "${pids[$i]}" "${offsets[$i]}" "$t0" "$timeout"
  done
  if [[ "$profile" == secure ]]; then
    log "client settings: bash $0 env secure"
  fi
}

stop_node() {
  local pid
  if ! pid="$(read_pid)" || ! pid_alive "$pid"; then
    rm -f "$PID_FILE"
    log "$(node_label): not running"
    return 0
  fi
  local t0
  t0="$(now_ms)"
  log "stopping Kafka $(node_label) (pid $pid) ..."
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

cmd_stop() {
  local profile=${1:-single} node=${2:-}
  if [[ "$profile" == all ]]; then
    local p
    for p in "${PROFILES[@]}"; do cmd_stop "$p"; done
    return 0
  fi
  local -a nodes
  read -r -a nodes <<<"$(profile_nodes "$profile" "$node")"
  select_node "$profile" "${nodes[0]}"
  [[ -d "$PROFILE_DIR" ]] || return 0
  exec 9>"$PROFILE_DIR/.lock"
  flock -w 120 9 || die "could not lock $PROFILE_DIR/.lock"
  # Stopped together: a cluster node stopped alone waits for the others to hand over leadership.
  local n
  for n in "${nodes[@]}"; do
    select_node "$profile" "$n"
    stop_node &
  done
  wait
}

cmd_status() {
  local profile=${1:-single} node=${2:-}
  local -a nodes
  read -r -a nodes <<<"$(profile_nodes "$profile" "$node")"
  local n rc=0 pid
  for n in "${nodes[@]}"; do
    select_node "$profile" "$n"
    local label="$(node_label)"
    if pid="$(read_pid)" && pid_alive "$pid"; then
      if port_open "$KAFKA_BIND_HOST" "$CLIENT_PORT"; then
        local rss_kb
        rss_kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo '?')"
        echo "$label running: pid $pid, ${KAFKA_ADVERTISED_HOST}:${CLIENT_PORT}, controller ${CONTROLLER_PORT}, RSS ${rss_kb} kB, state $STATE_DIR"
        continue
      fi
      echo "$label starting (pid $pid alive, port $CLIENT_PORT not answering yet)"
    else
      echo "$label not running"
    fi
    rc=1
  done
  return $rc
}

cmd_env() {
  local profile=${1:-single}
  case "$profile" in
    single)
      select_node single 1
      echo "KAFKA_BROKERS=${KAFKA_ADVERTISED_HOST}:${CLIENT_PORT}"
      ;;
    cluster)
      select_node cluster 1
      [[ -s "$CLUSTER_ID_FILE" ]] || die "the cluster profile was never started: bash $0 start cluster"
      local brokers="" n
      for n in 1 2 3; do
        select_node cluster "$n"
        brokers+="${brokers:+,}${KAFKA_ADVERTISED_HOST}:${CLIENT_PORT}"
      done
      echo "KAFKA_BROKERS=$brokers"
      ;;
    secure)
      select_node secure 1
      [[ -s "$SECRETS_FILE" && -s "$TLS_DIR/client.key" ]] || die "the secure profile was never started: bash $0 start secure"
      secure_credentials
      cat <<ENV
KAFKA_BROKERS=${KAFKA_ADVERTISED_HOST}:${CLIENT_PORT}
KAFKA_SSL=true
KAFKA_SSL_CA_FILE=${TLS_DIR}/ca.crt
KAFKA_SSL_CERT_FILE=${TLS_DIR}/client.crt
KAFKA_SSL_KEY_FILE=${TLS_DIR}/client.key
KAFKA_SASL_MECHANISM=scram-sha-512
KAFKA_SASL_USERNAME=${KAFKA_SECURE_USER}
KAFKA_SASL_PASSWORD=${CLIENT_PASSWORD}
ENV
      ;;
    *) die "unknown profile '$profile' (profiles: ${PROFILES[*]})" ;;
  esac
}

cmd_logs() {
  local profile=single node=1
  if (($#)) && [[ " ${PROFILES[*]} " == *" $1 "* ]]; then
    profile=$1
    shift
    if [[ "$profile" == cluster ]] && (($#)) && [[ "$1" =~ ^[123]$ ]]; then
      node=$1
      shift
    fi
  fi
  select_node "$profile" "$node"
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
      cmd_start "$@"
      ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    logs) cmd_logs "$@" ;;
    env) cmd_env "$@" ;;
    help | -h | --help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
