#!/usr/bin/env bash
# Static checks of Flowline's deployment artefacts: no Docker engine, no cluster, nothing started.
#
#   deploy/check-static.sh
#
# Checks that every document the code cites is in docs/, then the Dockerfile, docker-compose.yml,
# the Helm chart (lint + render in several shapes +
# structural checks of the manifests), the Prometheus config and alert rules (with unit tests) and
# the Grafana dashboard. Tools it needs are built with Go into .cache/bin (ignored by git) on first
# use and reused after; a tool that cannot be installed is skipped with a message saying so, every
# other failure fails the script. Idempotent; safe in CI.
#
# Environment:
#   FLOWLINE_SKIP_PROMTOOL=1   do not build promtool (its first build takes several minutes);
#                              the rules are then only parsed and checked for completeness.
#   TOOL_BUILD_TIMEOUT=1800    seconds one tool's build may take before it is skipped.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BIN=$ROOT/.cache/bin
mkdir -p "$BIN"
export PATH="$BIN:$PATH"
export GOFLAGS="${GOFLAGS:-} -modcacherw"

HELM_VERSION=v3.22.0
TOOL_BUILD_TIMEOUT=${TOOL_BUILD_TIMEOUT:-1800}

passed=0
failed=0
skipped=0
failures=()

say() { printf '%s\n' "$*"; }
pass() { passed=$((passed + 1)); say "PASS  $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); say "FAIL  $1"; }
skip() { skipped=$((skipped + 1)); say "SKIP  $1"; }

# check NAME COMMAND...: runs the command, its output indented, and records the result.
check() {
  local name=$1
  shift
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/      /'
  if [ $rc -eq 0 ]; then pass "$name"; else fail "$name (exit $rc)"; fi
  return $rc
}

# check_fails NAME COMMAND...: the command must fail (a guard that must refuse bad input).
check_fails() {
  local name=$1
  shift
  local out
  if out=$("$@" 2>&1); then
    printf '%s\n' "$out" | tail -n 5 | sed 's/^/      /'
    fail "$name (it succeeded)"
  else
    printf '%s\n' "$out" | grep -v 'found symbolic link' | head -n 2 | sed 's/^/      /'
    pass "$name"
  fi
}

# Every dashboard query (Grafana variables replaced) must parse as PromQL.
dashboard_queries_parse() {
  local q n=0
  while IFS= read -r q; do
    promtool --experimental promql format "$q" > /dev/null || { echo "bad query: $q"; return 1; }
    n=$((n + 1))
  done < <("$PY" deploy/tools/check_artifacts.py promql-exprs)
  echo "$n queries"
}

have_go() { command -v go > /dev/null 2>&1; }

# stamp FILE...: a fingerprint of a tool's sources, to rebuild only when they change.
stamp() { cat "$@" | sha256sum | cut -d' ' -f1; }

# build_tool NAME STAMP COMMAND...: runs COMMAND (which puts NAME into $BIN) unless $BIN/NAME
# was built from the same STAMP. Returns non-zero when the tool cannot be had.
build_tool() {
  local name=$1 want=$2
  shift 2
  if [ -x "$BIN/$name" ] && [ "$(cat "$BIN/.$name.stamp" 2> /dev/null)" = "$want" ]; then
    return 0
  fi
  if ! have_go; then
    say "      go is not on PATH: cannot build $name"
    return 1
  fi
  say "      building $name into .cache/bin (first run only) ..."
  local log=$ROOT/.cache/$name-build.log
  if timeout "$TOOL_BUILD_TIMEOUT" "$@" > "$log" 2>&1 && [ -x "$BIN/$name" ]; then
    printf '%s\n' "$want" > "$BIN/.$name.stamp"
    return 0
  fi
  tail -n 5 "$log" | sed 's/^/      /'
  say "      (full log: .cache/$name-build.log)"
  rm -f "$BIN/$name"
  return 1
}

# --- Python with PyYAML (for the structural checks) -----------------------------------------
PY=""
if command -v python3 > /dev/null 2>&1; then
  if python3 -c 'import yaml' 2> /dev/null; then
    PY=python3
  elif PYTHONPATH=$ROOT/.cache/python python3 -c 'import yaml' 2> /dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --target "$ROOT/.cache/python" pyyaml > /dev/null 2>&1; then
    export PYTHONPATH=$ROOT/.cache/python${PYTHONPATH:+:$PYTHONPATH}
    PY=python3
  fi
fi
py() {
  if [ -z "$PY" ]; then
    skip "$1: python3 with PyYAML is not available and could not be installed"
    return 0
  fi
  local name=$1
  shift
  check "$name" "$PY" "$@"
}

say "== Documentation"
check "citations: every document, section and decision a comment or the README cites is in docs/" \
  bash deploy/tools/check-doc-citations.sh

say "== Dockerfile"
py "Dockerfile: multi-stage Node 24, non-root, tini, --omit=dev; .dockerignore" deploy/tools/check_artifacts.py dockerfile

say "== docker-compose.yml"
if build_tool composecheck "$(stamp deploy/tools/composecheck/go.mod deploy/tools/composecheck/go.sum deploy/tools/composecheck/main.go)" \
  bash -c "cd deploy/tools/composecheck && go build -o '$BIN/composecheck' ."; then
  check "compose: loads with compose-go (schema, interpolation, depends_on), paths exist" composecheck docker-compose.yml
else
  skip "compose-go checker could not be built; falling back to a YAML parse"
fi
py "compose: services, commands, migrate ordering, references" deploy/tools/check_artifacts.py compose

say "== Helm chart"
if build_tool helm "$HELM_VERSION" env GOBIN="$BIN" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"; then
  # helm warns on stderr that files/alerts.yml is a symbolic link (to deploy/prometheus/alerts.yml).
  helm_q() { helm "$@" 2> >(grep -v 'found symbolic link' >&2); }
  CHART=helm/flowline
  ALL=(--set autoscaling.enabled=true --set metrics.serviceMonitor.enabled=true
    --set metrics.prometheusRule.enabled=true --set ingress.enabled=true
    --set grafana.enabled=true --set grafana.datasources.analytics.passwordSecret.name=grafana-db)
  check "helm lint" helm_q lint "$CHART"
  check "helm lint --strict (autoscaling, serviceMonitor, prometheusRule, ingress, grafana)" helm_q lint --strict "$CHART" "${ALL[@]}"
  check "helm template (defaults)" bash -c "helm template flowline $CHART 2>/dev/null > .cache/helm-default.yaml"
  check "helm template (autoscaling, serviceMonitor, prometheusRule, ingress, grafana)" \
    bash -c "helm template flowline $CHART ${ALL[*]} 2>/dev/null > .cache/helm-all.yaml"
  check "helm template (existingSecret, other topic prefix)" \
    bash -c "helm template flowline $CHART --set secrets.existingSecret=flowline-env --set config.topicPrefix=acme. --set autoscaling.enabled=true 2>/dev/null > .cache/helm-existing.yaml"
  SECURED=(--set kafka.tls.enabled=true --set kafka.tls.secretName=kafka-tls --set kafka.tls.certKey=user.crt
    --set kafka.tls.keyKey=user.key --set kafka.sasl.mechanism=scram-sha-512 --set kafka.sasl.username=flowline
    --set kafka.sasl.passwordSecret.name=kafka-user --set postgresTls.secretName=postgres-ca
    --set config.replicationFactor=3 --set config.minInsyncReplicas=2)
  check "helm template (SASL_SSL: mutual TLS, SCRAM, PostgreSQL CA, durability)" \
    bash -c "helm template flowline $CHART ${SECURED[*]} 2>/dev/null > .cache/helm-secured.yaml"
  check "helm template (OAUTHBEARER)" \
    bash -c "helm template flowline $CHART --set kafka.tls.enabled=true --set kafka.sasl.mechanism=oauthbearer --set kafka.sasl.oauth.tokenUrl=https://idp.example.com/token --set kafka.sasl.oauth.clientId=flowline --set kafka.sasl.oauth.clientSecretSecret.name=idp-client 2>/dev/null > /dev/null"
  check_fails "helm template refuses SASL without its password Secret" helm template flowline "$CHART" --set kafka.sasl.mechanism=scram-sha-512 --set kafka.sasl.username=flowline
  check_fails "helm template refuses a client certificate without its key" helm template flowline "$CHART" --set kafka.tls.enabled=true --set kafka.tls.secretName=kafka-tls --set kafka.tls.certKey=user.crt
  check_fails "helm template refuses the analysts' data source without its password Secret" helm template flowline "$CHART" --set grafana.enabled=true
  check_fails "helm template refuses replicas above partitions" helm template flowline "$CHART" --set services.mapper.replicas=13
  check_fails "helm template refuses maxReplicas above partitions" helm template flowline "$CHART" --set autoscaling.enabled=true --set services.dispatcher.autoscaling.maxReplicas=24
  if [ -s .cache/helm-default.yaml ]; then
    py "manifests (defaults)" deploy/tools/check_manifests.py < .cache/helm-default.yaml
  fi
  if [ -s .cache/helm-all.yaml ]; then
    py "manifests (autoscaling, serviceMonitor, grafana)" deploy/tools/check_manifests.py --autoscaling --service-monitor --grafana < .cache/helm-all.yaml
  fi
  if [ -s .cache/helm-secured.yaml ]; then
    py "manifests (SASL_SSL: secrets referenced, TLS files mounted)" deploy/tools/check_manifests.py --kafka-password-secret kafka-user < .cache/helm-secured.yaml
  fi
  if [ -s .cache/helm-existing.yaml ]; then
    py "manifests (existingSecret, prefix acme.)" deploy/tools/check_manifests.py --autoscaling --existing-secret flowline-env --prefix acme. < .cache/helm-existing.yaml
  fi
else
  skip "helm $HELM_VERSION could not be installed with Go: chart not linted or rendered"
fi

say "== Prometheus"
py "alerts.yml: every rule complete; the chart's copy is the same file" deploy/tools/check_artifacts.py rules
py "metrics queried by the dashboard and alerts are the ones Flowline exports" deploy/tools/check_artifacts.py metrics
if [ -n "${FLOWLINE_SKIP_PROMTOOL:-}" ]; then
  skip "promtool: FLOWLINE_SKIP_PROMTOOL is set"
elif build_tool promtool "$(stamp deploy/tools/promtool/go.mod deploy/tools/promtool/go.sum)" \
  bash -c "cd deploy/tools/promtool && go build -o '$BIN/promtool' github.com/prometheus/prometheus/cmd/promtool"; then
  check "promtool check config (with rules)" promtool check config deploy/prometheus/prometheus.yml
  check "promtool check rules" promtool check rules deploy/prometheus/alerts.yml
  check "promtool test rules (alert unit tests)" promtool test rules deploy/prometheus/alerts.test.yml
  if [ -n "$PY" ]; then
    check "dashboard queries parse as PromQL" dashboard_queries_parse
  fi
else
  skip "promtool could not be built with Go: rules parsed but not unit-tested"
fi

say "== Grafana"
py "dashboard JSON and provisioning" deploy/tools/check_artifacts.py grafana

say ""
if [ $failed -gt 0 ]; then
  say "Failed:"
  for f in "${failures[@]}"; do say "  - $f"; done
fi
say "check-static: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
