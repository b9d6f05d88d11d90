#!/usr/bin/env python3
"""Static checks of the deployment artefacts that need no engine, cluster or Prometheus.

  check_artifacts.py dockerfile      deploy/Dockerfile and .dockerignore keep their promises
  check_artifacts.py grafana         the dashboards' JSON and provisioning are sound and consistent; the
                                     analysts' dashboard reads only the flowline_analytics views
  check_artifacts.py metrics         every metric the dashboard and alerts query is one Flowline exports
  check_artifacts.py rules           alerts.yml parses and every rule is complete (fallback without promtool)
  check_artifacts.py compose         docker-compose.yml parses and its references resolve (fallback without
                                     the compose-go checker)
  check_artifacts.py promql-exprs    prints the dashboard's queries, one a line, Grafana variables replaced,
                                     for `promtool promql format`

Run from the repository root. Exits non-zero with one line per problem.
"""
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(".")
DASHBOARD = ROOT / "deploy/grafana/dashboards/flowline.json"
ANALYSTS_DASHBOARD = ROOT / "deploy/grafana/dashboards/flowline-analysts.json"
ANALYTICS_SCHEMA = "flowline_analytics"
# The macros test/support/grafana-sql.ts expands as Grafana's PostgreSQL data source does.
GRAFANA_SQL_MACROS = {"__timeFilter", "__timeFrom", "__timeTo", "__timeGroupAlias"}
ALERTS = ROOT / "deploy/prometheus/alerts.yml"
COMPOSE = ROOT / "docker-compose.yml"
SERVICES = ["api", "ingest", "flow-evaluator", "sequence-detector", "mapper", "dispatcher"]

# docs/CONTRACT.md §9 (libs/observability/src/flowline-metrics.ts defines them).
CONTRACT_METRICS = {
    "flowline_events_ingested_total",
    "flowline_changes_processed_total",
    "flowline_actions_triggered_total",
    "flowline_actions_not_triggered_total",
    "flowline_deliveries_total",
    "flowline_delivery_attempt_duration_seconds",
    "flowline_retries_total",
    "flowline_dead_letters_total",
    "flowline_sequence_matches_total",
    "flowline_sequence_partial_matches",
    "flowline_end_to_end_latency_seconds",
    "flowline_consumer_lag",
}
# Beyond docs/CONTRACT.md §9's core list: the 410 pause gauge (dispatcher), the consumer runner's batch histogram and the
# retry tiers' lag (reported apart from flowline_consumer_lag).
EXTRA_FLOWLINE_METRICS = {
    "flowline_connection_paused",
    "flowline_batch_duration_seconds",
    "flowline_deliveries_held_total",
    "flowline_retry_lag",
}
# prom-client's default metrics, Prometheus' own and kube-state-metrics'.
OTHER_METRICS = {
    "up",
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
    "nodejs_eventloop_lag_p99_seconds",
    "nodejs_heap_size_used_bytes",
    "kube_pod_status_ready",
    "kube_pod_status_phase",
}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

problems: list[str] = []


def problem(msg: str) -> None:
    problems.append(msg)


def dashboard_exprs() -> list[str]:
    dash = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in dash["panels"] for t in p.get("targets", []) if t.get("expr")]


def alert_exprs() -> list[str]:
    doc = yaml.safe_load(ALERTS.read_text())
    return [r["expr"] for g in doc["groups"] for r in g["rules"]]


def grafana_vars_replaced(expr: str) -> str:
    return expr.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$service", ".*")


PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "by", "without", "on", "ignoring", "group_left", "group_right",
    "rate", "increase", "deriv", "histogram_quantile", "absent", "or", "and", "unless", "vector", "le",
    "bool", "offset", "topk", "bottomk", "clamp_min", "clamp_max", "label_replace", "time", "irate",
}


def metric_names(expr: str) -> set[str]:
    # Drop label matchers and string literals, then keep identifiers followed by { ( [ or space that
    # are not functions, keywords or label names inside by/without/on (...).
    e = re.sub(r'"[^"]*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", "{}", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\[[^\]]*\]", "[]", e)
    names = set()
    for m in re.finditer(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b", e):
        word = m.group(1)
        if word in PROMQL_WORDS or re.fullmatch(r"\d+[smhdwy]?", word):
            continue
        if e[m.end():m.end() + 1] == "(":
            continue  # a function
        names.add(word)
    return names


def base_metric(name: str) -> str:
    for s in HISTOGRAM_SUFFIXES:
        if name.endswith(s) and name[: -len(s)] in CONTRACT_METRICS | EXTRA_FLOWLINE_METRICS:
            return name[: -len(s)]
    return name


def check_metrics() -> None:
    known = CONTRACT_METRICS | EXTRA_FLOWLINE_METRICS | OTHER_METRICS
    used_on_dashboard = set()
    for source, exprs in (("dashboard", dashboard_exprs()), ("alerts", alert_exprs())):
        for expr in exprs:
            for name in metric_names(expr):
                base = base_metric(name)
                if base not in known:
                    problem(f"{source}: unknown metric {name!r} in {expr!r}")
                if source == "dashboard":
                    used_on_dashboard.add(base)
    for m in sorted(CONTRACT_METRICS - used_on_dashboard):
        problem(f"dashboard: no panel shows {m} (docs/CONTRACT.md §9)")
    # Not fatal: the application may not define a metric yet; say which ones would stay empty.
    defined = set()
    for src in list((ROOT / "libs").rglob("*.ts")) + list((ROOT / "services").rglob("*.ts")):
        defined |= set(re.findall(r"""['"`](flowline_[a-z0-9_]+)['"`]""", src.read_text(errors="replace")))
    if defined:
        for m in sorted((CONTRACT_METRICS | EXTRA_FLOWLINE_METRICS) - defined):
            print(f"metrics: WARNING {m} is queried but not defined in libs/ or services/ yet")


def check_panels(path: Path, datasource_type: str, query_key: str) -> dict:
    """Layout, data source and variables of one dashboard's panels; answers the dashboard."""
    dash = json.loads(path.read_text())
    name = path.name
    for key in ("uid", "title", "panels", "templating", "schemaVersion"):
        if key not in dash:
            problem(f"{name}: missing {key}")
    ids = [p["id"] for p in dash["panels"]]
    if len(ids) != len(set(ids)):
        problem(f"{name}: panel ids are not unique")
    variables = dash["templating"]["list"]
    var_names = {v["name"] for v in variables}
    ds_var = next((v for v in variables if v["name"] == "datasource"), None)
    if not ds_var:
        problem(f"{name}: no datasource variable")
    elif ds_var.get("query") != datasource_type:
        problem(f"{name}: the datasource variable selects {ds_var.get('query')!r}, not {datasource_type!r}")
    cells: dict[tuple[int, int], str] = {}
    for p in dash["panels"]:
        g = p["gridPos"]
        if g["x"] + g["w"] > 24:
            problem(f"{name}: panel {p['title']!r} is wider than the grid")
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    problem(f"{name}: panel {p['title']!r} overlaps {cells[(x, y)]!r}")
                    break
                cells[(x, y)] = p["title"]
            else:
                continue
            break
        if p["type"] == "row":
            continue
        if p.get("datasource", {}).get("uid") != "${datasource}":
            problem(f"{name}: panel {p['title']!r} does not use the $datasource variable")
        if not p.get("targets") or not all(t.get(query_key) for t in p["targets"]):
            problem(f"{name}: panel {p['title']!r} has no query")
        for t in p.get("targets", []):
            for var in re.findall(r"\$(\w+)", t.get(query_key, "")):
                if var not in var_names and not var.startswith("__"):
                    problem(f"{name}: panel {p['title']!r} uses undefined variable ${var}")
    return dash


def check_analysts_sql(dash: dict) -> None:
    """The analysts' dashboard reads the flowline_analytics views only (decision 0023)."""
    queries = [(p["title"], t["rawSql"]) for p in dash["panels"] for t in p.get("targets", [])]
    queries += [(f"variable {v['name']}", v["query"]) for v in dash["templating"]["list"] if v["type"] == "query"]
    for title, sql in queries:
        for relation in re.findall(r"\b(?:FROM|JOIN)\s+([\w.]+)", sql, re.I):
            if not relation.startswith(f"{ANALYTICS_SCHEMA}."):
                problem(f"{ANALYSTS_DASHBOARD.name}: {title!r} reads {relation}, not a {ANALYTICS_SCHEMA} view")
        for macro in re.findall(r"\$(__\w+)\(", sql):
            if macro not in GRAFANA_SQL_MACROS:
                problem(f"{ANALYSTS_DASHBOARD.name}: {title!r} uses {macro}, which the test's expansion does not mirror")


def check_grafana() -> None:
    check_panels(DASHBOARD, "prometheus", "expr")
    check_analysts_sql(check_panels(ANALYSTS_DASHBOARD, "grafana-postgresql-datasource", "rawSql"))

    prov = ROOT / "deploy/grafana/provisioning"
    ds = yaml.safe_load((prov / "datasources/prometheus.yml").read_text())
    if not any(d.get("type") == "prometheus" for d in ds.get("datasources", [])):
        problem("grafana: no Prometheus datasource provisioned")
    analytics = yaml.safe_load((prov / "datasources/flowline-analytics.yml").read_text())["datasources"]
    compose = yaml.safe_load(COMPOSE.read_text())
    grafana_env = compose["services"]["grafana"].get("environment", {})
    for d in analytics:
        if d.get("type") != "grafana-postgresql-datasource":
            problem(f"grafana: datasource {d.get('name')!r} is not grafana-postgresql-datasource")
        for var in re.findall(r"\$\{(\w+)\}", yaml.safe_dump(d)):
            if var not in grafana_env:
                problem(f"grafana: datasource {d.get('name')!r} needs {var}, which docker-compose.yml does not give Grafana")
    if "grafana-db-login" not in compose["services"]:
        problem("compose: no grafana-db-login service creating Grafana's read-only login")
    providers = yaml.safe_load((prov / "dashboards/flowline.yml").read_text())["providers"]
    paths = {p["options"]["path"] for p in providers}
    mounts = {v.split(":")[1]: v.split(":")[0] for v in compose["services"]["grafana"]["volumes"] if v.startswith("./")}
    for path in paths:
        src = mounts.get(path)
        if not src:
            problem(f"grafana: dashboards path {path} is not mounted in docker-compose.yml")
            continue
        for dashboard in (DASHBOARD, ANALYSTS_DASHBOARD):
            if not (ROOT / src / dashboard.name).exists():
                problem(f"grafana: {src} (mounted at {path}) does not hold {dashboard.name}")
    if mounts.get("/etc/grafana/provisioning") != "./deploy/grafana/provisioning":
        problem("grafana: deploy/grafana/provisioning is not mounted at /etc/grafana/provisioning")
    for dashboard in (DASHBOARD, ANALYSTS_DASHBOARD):
        chart_copy = ROOT / "helm/flowline/files/dashboards" / dashboard.name
        if not chart_copy.exists() or chart_copy.read_text() != dashboard.read_text():
            problem(f"{chart_copy} differs from {dashboard} (it should link to it)")


def check_rules() -> None:
    doc = yaml.safe_load(ALERTS.read_text())
    names = set()
    for g in doc.get("groups", []):
        for r in g.get("rules", []):
            if "alert" not in r:
                continue
            names.add(r["alert"])
            for key in ("expr", "labels", "annotations"):
                if key not in r:
                    problem(f"alerts: {r['alert']} has no {key}")
            if r.get("labels", {}).get("severity") not in ("warning", "critical"):
                problem(f"alerts: {r['alert']} needs severity warning or critical")
    for required in (
        "FlowlineConsumerLagHigh", "FlowlineDeadLettersRising", "FlowlineDeliveryFailureRatioHigh",
        "FlowlineConnectionPaused", "FlowlineTargetDown", "FlowlineNotReady", "FlowlineEndToEndLatencyHigh",
    ):
        if required not in names:
            problem(f"alerts: no {required} rule")
    chart_copy = ROOT / "helm/flowline/files/alerts.yml"
    if chart_copy.read_text() != ALERTS.read_text():
        problem("helm/flowline/files/alerts.yml differs from deploy/prometheus/alerts.yml (it should link to it)")


def check_compose() -> None:
    doc = yaml.safe_load(COMPOSE.read_text())
    services = doc["services"]
    for name, svc in services.items():
        for dep, cond in (svc.get("depends_on") or {}).items():
            if dep not in services:
                problem(f"compose: {name} depends on unknown service {dep}")
                continue
            c = cond.get("condition") if isinstance(cond, dict) else "service_started"
            if c not in ("service_started", "service_healthy", "service_completed_successfully"):
                problem(f"compose: {name} depends on {dep} with unknown condition {c}")
            if c == "service_healthy" and "healthcheck" not in services[dep]:
                problem(f"compose: {name} waits for {dep} to be healthy, but {dep} has no healthcheck")
        for vol in svc.get("volumes", []):
            src = vol.split(":")[0]
            if src.startswith("./") and not (ROOT / src).exists():
                problem(f"compose: {name} mounts missing {src}")
        build = svc.get("build")
        if build and not (ROOT / build["context"] / build["dockerfile"]).exists():
            problem(f"compose: {name} builds from missing {build['dockerfile']}")
    for name in SERVICES:
        svc = services.get(name)
        if not svc:
            problem(f"compose: no {name} service")
            continue
        if svc.get("command") != [name]:
            problem(f"compose: {name} runs {svc.get('command')}")
        deps = svc.get("depends_on", {})
        if deps.get("migrate", {}).get("condition") != "service_completed_successfully":
            problem(f"compose: {name} does not wait for migrate to complete")
    if services.get("migrate", {}).get("command") != ["migrate"]:
        problem("compose: the migrate service does not run `migrate`")
    print(f"compose: {COMPOSE} parses; {len(services)} services, references resolve")


def check_dockerfile() -> None:
    text = (ROOT / "deploy/Dockerfile").read_text()
    lines = [l.strip() for l in re.sub(r"\\\n", " ", text).splitlines() if l.strip() and not l.strip().startswith("#")]
    froms = [l for l in lines if l.upper().startswith("FROM ")]
    if len(froms) < 2:
        problem("Dockerfile: expected a multi-stage build")
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", text, re.M))
    for f in froms:
        image = f.split()[1]
        image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)
        if not re.fullmatch(r"node:24[-.\w]*", image):
            problem(f"Dockerfile: base image {image} is not Node 24")
    runtime = text.split("AS runtime", 1)[-1] if "AS runtime" in text else ""
    users = re.findall(r"^USER (\S+)", runtime, re.M)
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problem("Dockerfile: the runtime stage must end as a non-root USER")
    if "NODE_ENV=production" not in runtime:
        problem("Dockerfile: the runtime stage must set NODE_ENV=production")
    if "--omit=dev" not in text:
        problem("Dockerfile: production dependencies must be installed with --omit=dev")
    entry = re.findall(r"^ENTRYPOINT (.+)$", text, re.M)
    if not entry:
        problem("Dockerfile: no ENTRYPOINT")
    else:
        argv = json.loads(entry[-1])
        if "tini" not in argv[0] or "dist/services/cluster/src/main.js" not in argv:
            problem(f"Dockerfile: ENTRYPOINT {argv} should run main.js under tini")
    ignore = (ROOT / ".dockerignore").read_text().split()
    for must in ("node_modules", ".git", "dist", ".cache"):
        if must not in ignore:
            problem(f".dockerignore: {must} is not excluded")


def main() -> int:
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "promql-exprs":
        for e in dashboard_exprs():
            print(grafana_vars_replaced(e).replace("\n", " "))
        return 0
    checks = {
        "dockerfile": check_dockerfile,
        "grafana": check_grafana,
        "metrics": check_metrics,
        "rules": check_rules,
        "compose": check_compose,
    }
    if cmd not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    checks[cmd]()
    for p in problems:
        print(p, file=sys.stderr)
    if not problems and cmd != "compose":
        print(f"{cmd}: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
