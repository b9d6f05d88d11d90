#!/usr/bin/env python3
"""Structural checks of the Helm chart's rendered manifests (`helm template ... | check_manifests.py`).

helm lint checks the chart's form; this checks what the chart promises an SRE: every service is its
own Deployment with probes, a non-root read-only container, a PodDisruptionBudget and a Service;
autoscaling never asks for more consumers than partitions; the migration runs as a pre-install /
pre-upgrade hook whose ConfigMap and Secret exist before it; the ServiceMonitor selects the Services.

Usage: helm template r helm/flowline [--set ...] | check_manifests.py [--autoscaling] [--service-monitor]
                                                     [--existing-secret NAME] [--partitions N]
                                                     [--kafka-password-secret NAME]

With --kafka-password-secret (values with kafka.tls and kafka.sasl set): every Flowline container,
the migration job's included, reads KAFKA_SASL_PASSWORD from that Secret (never a value in the
chart), and has the TLS files its ConfigMap names mounted from a Secret.
"""
import argparse
import json
import re
import sys

import yaml

SERVICES = {
    "api": 8080,
    "ingest": 8081,
    "flow-evaluator": 8082,
    "sequence-detector": 8083,
    "mapper": 8084,
    "dispatcher": 8085,
}
CONSUMERS = {
    "ingest": ["ingest"],
    "flow-evaluator": ["events"],
    "sequence-detector": ["events"],
    "mapper": ["actions"],
    "dispatcher": ["deliveries"],
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--autoscaling", action="store_true")
    ap.add_argument("--service-monitor", action="store_true")
    ap.add_argument("--existing-secret", default="")
    ap.add_argument("--partitions", type=int, default=12)
    ap.add_argument("--prefix", default="flowline.")
    ap.add_argument("--kafka-password-secret", default="")
    ap.add_argument("--grafana", action="store_true")
    args = ap.parse_args()

    docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
    problems: list[str] = []
    by_kind: dict[str, list[dict]] = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)

    def named(kind: str) -> dict[str, dict]:
        return {d["metadata"]["name"]: d for d in by_kind.get(kind, [])}

    def component(d: dict) -> str:
        return d["metadata"].get("labels", {}).get("app.kubernetes.io/component", "")

    def hook(d: dict) -> str:
        return d["metadata"].get("annotations", {}).get("helm.sh/hook", "")

    def matches(selector: dict, labels: dict) -> bool:
        return all(labels.get(k) == v for k, v in selector.items())

    configmaps = {n for n, d in named("ConfigMap").items() if not hook(d)}
    secrets = {n for n, d in named("Secret").items() if not hook(d)}
    if args.existing_secret:
        if secrets:
            problems.append(f"existingSecret given, yet the chart renders Secrets {sorted(secrets)}")
        secrets.add(args.existing_secret)

    deployments = {component(d): d for d in by_kind.get("Deployment", [])}
    if set(deployments) != set(SERVICES):
        problems.append(f"Deployments for {sorted(deployments)}, expected {sorted(SERVICES)}")

    for name, dep in deployments.items():
        where = f"Deployment {dep['metadata']['name']}"
        spec = dep["spec"]
        pod = spec["template"]["spec"]
        pod_labels = spec["template"]["metadata"]["labels"]
        if not matches(spec["selector"]["matchLabels"], pod_labels):
            problems.append(f"{where}: selector does not match its pod labels")
        (c,) = pod["containers"]
        port = SERVICES.get(name)
        if c.get("args") != [name]:
            problems.append(f"{where}: args {c.get('args')}, expected [{name!r}]")
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        if env.get("PORT") != str(port):
            problems.append(f"{where}: PORT={env.get('PORT')}, expected {port}")
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        if ports.get("http") != port:
            problems.append(f"{where}: container port http={ports.get('http')}, expected {port}")
        for probe, path in (("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready")):
            got = c.get(probe, {}).get("httpGet", {}).get("path")
            if got != path:
                problems.append(f"{where}: {probe} path {got}, expected {path}")
        if "memory" not in c.get("resources", {}).get("limits", {}) or "cpu" not in c.get("resources", {}).get("requests", {}):
            problems.append(f"{where}: needs a memory limit and a cpu request")
        psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
        if not psc.get("runAsNonRoot") or psc.get("runAsUser", 0) == 0:
            problems.append(f"{where}: pod must run as a non-root uid")
        if not csc.get("readOnlyRootFilesystem") or csc.get("allowPrivilegeEscalation", True):
            problems.append(f"{where}: container needs readOnlyRootFilesystem and no privilege escalation")
        if pod.get("terminationGracePeriodSeconds", 30) < 30:
            problems.append(f"{where}: terminationGracePeriodSeconds below 30")
        for src in c.get("envFrom", []):
            if "configMapRef" in src and src["configMapRef"]["name"] not in configmaps:
                problems.append(f"{where}: envFrom ConfigMap {src['configMapRef']['name']} is not rendered")
            if "secretRef" in src and src["secretRef"]["name"] not in secrets:
                problems.append(f"{where}: envFrom Secret {src['secretRef']['name']} is not rendered")
        has_replicas = "replicas" in spec
        if args.autoscaling and has_replicas:
            problems.append(f"{where}: sets replicas although a ScaledObject owns them")
        if not args.autoscaling:
            if not has_replicas:
                problems.append(f"{where}: no replicas")
            elif name in CONSUMERS and spec["replicas"] > args.partitions:
                problems.append(f"{where}: {spec['replicas']} replicas > {args.partitions} partitions")

        pdbs = [p for p in by_kind.get("PodDisruptionBudget", []) if matches(p["spec"]["selector"]["matchLabels"], pod_labels)]
        if len(pdbs) != 1:
            problems.append(f"{where}: {len(pdbs)} PodDisruptionBudgets select it, expected 1")
        svcs = [s for s in by_kind.get("Service", []) if matches(s["spec"]["selector"], pod_labels)]
        if len(svcs) != 1:
            problems.append(f"{where}: {len(svcs)} Services select it, expected 1")

    scaled = {component(d): d for d in by_kind.get("ScaledObject", [])}
    if args.autoscaling:
        for name, topics in CONSUMERS.items():
            so = scaled.get(name)
            if not so:
                problems.append(f"no ScaledObject for {name}")
                continue
            spec = so["spec"]
            if spec["scaleTargetRef"]["name"] != deployments.get(name, {}).get("metadata", {}).get("name"):
                problems.append(f"ScaledObject {name}: targets {spec['scaleTargetRef']['name']}")
            if spec["maxReplicaCount"] > args.partitions:
                problems.append(f"ScaledObject {name}: maxReplicaCount {spec['maxReplicaCount']} > {args.partitions} partitions")
            kafka = [t for t in spec["triggers"] if t["type"] == "kafka"]
            got = sorted(t["metadata"]["topic"] for t in kafka)
            if got != sorted(args.prefix + t for t in topics):
                problems.append(f"ScaledObject {name}: kafka topics {got}")
            for t in kafka:
                if t["metadata"]["consumerGroup"] != args.prefix + name:
                    problems.append(f"ScaledObject {name}: consumerGroup {t['metadata']['consumerGroup']}")
                if not all(isinstance(v, str) for v in t["metadata"].values()):
                    problems.append(f"ScaledObject {name}: trigger metadata values must be strings")
    elif scaled:
        problems.append("ScaledObjects rendered with autoscaling disabled")

    monitors = by_kind.get("ServiceMonitor", [])
    if args.service_monitor:
        if len(monitors) != 1:
            problems.append(f"{len(monitors)} ServiceMonitors, expected 1")
        else:
            sel = monitors[0]["spec"]["selector"]["matchLabels"]
            selected = {component(s) for s in by_kind.get("Service", []) if matches(sel, s["metadata"]["labels"])}
            if selected != set(SERVICES):
                problems.append(f"ServiceMonitor selects Services of {sorted(selected)}")
            ports = {p["name"] for s in by_kind.get("Service", []) for p in s["spec"]["ports"]}
            for ep in monitors[0]["spec"]["endpoints"]:
                if ep.get("port") not in ports or ep.get("path") != "/metrics":
                    problems.append(f"ServiceMonitor endpoint {ep} does not scrape a Service port's /metrics")
    elif monitors:
        problems.append("ServiceMonitor rendered although metrics.serviceMonitor.enabled is false")

    # Grafana's sidecar loads labelled ConfigMaps: both dashboards, and both data sources, the
    # analysts' with its password from Grafana's environment, never inline (decision 0023).
    grafana_maps = {n: d for n, d in named("ConfigMap").items() if "grafana" in n}
    if args.grafana:
        dashboards = [d for d in grafana_maps.values() if d["metadata"]["labels"].get("grafana_dashboard") == "1"]
        sources = [d for d in grafana_maps.values() if d["metadata"]["labels"].get("grafana_datasource") == "1"]
        if len(dashboards) != 1 or set(dashboards[0]["data"]) != {"flowline.json", "flowline-analysts.json"}:
            problems.append("expected one grafana_dashboard ConfigMap holding flowline.json and flowline-analysts.json")
        else:
            for key, text in dashboards[0]["data"].items():
                try:
                    json.loads(text)
                except ValueError as error:
                    problems.append(f"dashboard {key} in the ConfigMap is not JSON: {error}")
        if len(sources) != 1:
            problems.append(f"{len(sources)} grafana_datasource ConfigMaps, expected 1")
        else:
            provisioned = yaml.safe_load(next(iter(sources[0]["data"].values())))["datasources"]
            types = sorted(d["type"] for d in provisioned)
            if types != ["grafana-postgresql-datasource", "prometheus"]:
                problems.append(f"data sources {types}, expected prometheus and grafana-postgresql-datasource")
            for d in provisioned:
                password = d.get("secureJsonData", {}).get("password")
                if d["type"] == "grafana-postgresql-datasource" and not re.fullmatch(r"\$\{\w+\}", password or ""):
                    problems.append("the analytics data source's password is not read from Grafana's environment")
    elif grafana_maps:
        problems.append(f"Grafana ConfigMaps {sorted(grafana_maps)} rendered although grafana.enabled is false")

    jobs = [j for j in by_kind.get("Job", []) if component(j) == "migrate"]
    if len(jobs) != 1:
        problems.append(f"{len(jobs)} migration Jobs, expected 1")
    else:
        job = jobs[0]
        if set(hook(job).split(",")) != {"pre-install", "pre-upgrade"}:
            problems.append(f"migration Job hook is {hook(job)!r}")
        (c,) = job["spec"]["template"]["spec"]["containers"]
        if c.get("args") != ["migrate"]:
            problems.append(f"migration Job args {c.get('args')}")
        weight = int(job["metadata"]["annotations"].get("helm.sh/hook-weight", "0"))
        hooked = {(d["kind"], d["metadata"]["name"]): int(d["metadata"]["annotations"].get("helm.sh/hook-weight", "0"))
                  for d in docs if hook(d) and d["kind"] in ("ConfigMap", "Secret")}
        for src in c.get("envFrom", []):
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if key not in src:
                    continue
                ref = src[key]["name"]
                if kind == "Secret" and ref == args.existing_secret:
                    continue
                if (kind, ref) not in hooked or hooked[(kind, ref)] >= weight:
                    problems.append(f"migration Job reads {kind} {ref}, which is not a hook created before it")

    if args.kafka_password_secret:
        problems += secured_kafka_problems(docs, by_kind, args.kafka_password_secret)

    for p in problems:
        print(f"manifests: {p}", file=sys.stderr)
    if problems:
        return 1
    kinds = ", ".join(f"{len(v)} {k}" for k, v in sorted(by_kind.items()))
    print(f"manifests: ok ({kinds})")
    return 0


def secured_kafka_problems(docs: list[dict], by_kind: dict[str, list[dict]], password_secret: str) -> list[str]:
    problems: list[str] = []
    for d in docs:
        if d["kind"] in ("ConfigMap", "Secret"):
            data = {**d.get("data", {}), **d.get("stringData", {})}
            if "KAFKA_SASL_PASSWORD" in data or "KAFKA_SASL_OAUTH_CLIENT_SECRET" in data:
                problems.append(f"{d['kind']} {d['metadata']['name']} holds a Kafka secret; it must be referenced")
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in by_kind.get("ConfigMap", [])}
    workloads = [("Deployment", d) for d in by_kind.get("Deployment", [])] + [("Job", d) for d in by_kind.get("Job", [])]
    if not workloads:
        problems.append("no workloads rendered")
    for kind, d in workloads:
        where = f"{kind} {d['metadata']['name']}"
        pod = d["spec"]["template"]["spec"]
        c = pod["containers"][0]
        config = {}
        for src in c.get("envFrom", []):
            if "configMapRef" in src:
                config.update(config_maps.get(src["configMapRef"]["name"], {}))
        if config.get("KAFKA_SSL") != "true" or not config.get("KAFKA_SASL_MECHANISM"):
            problems.append(f"{where}: its ConfigMap does not turn on KAFKA_SSL and KAFKA_SASL_MECHANISM")
        refs = {e["name"]: e.get("valueFrom", {}).get("secretKeyRef", {}) for e in c.get("env", [])}
        if refs.get("KAFKA_SASL_PASSWORD", {}).get("name") != password_secret:
            problems.append(f"{where}: KAFKA_SASL_PASSWORD is not read from Secret {password_secret}")
        secret_volumes = {v["name"] for v in pod.get("volumes", []) if "secret" in v}
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        for name in ("KAFKA_SSL_CA_FILE", "KAFKA_SSL_CERT_FILE", "KAFKA_SSL_KEY_FILE"):
            path = config.get(name)
            if not path:
                problems.append(f"{where}: {name} not set")
                continue
            directory = path.rsplit("/", 1)[0]
            if mounts.get(directory) not in secret_volumes:
                problems.append(f"{where}: {name}={path} is not in a directory mounted from a Secret")
    return problems


if __name__ == "__main__":
    sys.exit(main())
