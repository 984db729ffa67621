#!/usr/bin/env python3
"""Checks the files in deploy/ as far as this machine allows (ctest deploy.*, label unit).

  check-deploy.py prometheus   promtool check config / check rules / test rules
  check-deploy.py dashboard    every series a Grafana query uses is one docs/metrics.md lists
  check-deploy.py systemd      systemd-analyze verify on the unit (ExecStart pointed at the
                               built binary, since /usr/bin/kmirror is not installed here)
  check-deploy.py kubernetes   kubectl kustomize renders; the manifests have what they promise

A tool that is missing makes its check exit 77, which ctest reports as skipped, with the
reason on stdout.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPLOY = os.path.join(ROOT, "deploy")
SKIP = 77


def need(tool):
    path = shutil.which(tool)
    if path is None:
        print(f"SKIPPED: {tool} is not installed (Debian: see scripts/install-deps.sh)")
        sys.exit(SKIP)
    return path


def run(args, cwd=None):
    print("$ " + " ".join(args))
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    sys.stdout.write(r.stdout + r.stderr)
    if r.returncode != 0:
        sys.exit(f"FAILED ({r.returncode}): {' '.join(args)}")
    return r.stdout


def documented_series():
    """Series names from docs/metrics.md's tables -> type (counter, gauge, histogram)."""
    names = {}
    for line in open(os.path.join(ROOT, "docs", "metrics.md"), encoding="utf-8"):
        m = re.match(r"\|\s*`((?:kmirror|process)_[a-z0-9_]+)`\s*\|\s*(counter|gauge|histogram)\s*\|", line)
        if m:
            names[m.group(1)] = m.group(2)
    return names


def prometheus():
    promtool = need("promtool")
    d = os.path.join(DEPLOY, "prometheus")
    run([promtool, "check", "config", "prometheus.yml"], cwd=d)
    run([promtool, "check", "rules", "kmirror-alerts.yml"], cwd=d)
    run([promtool, "test", "rules", "kmirror-alerts.test.yml"], cwd=d)
    # The rules use documented series only.
    check_names(open(os.path.join(d, "kmirror-alerts.yml")).read(), "kmirror-alerts.yml")


SERIES = re.compile(r"\b((?:kmirror|process)_[a-z0-9_]+|up(?=\s*\{))\b")


def check_names(text, what):
    docs = documented_series()
    if not docs:
        sys.exit("docs/metrics.md lists no series")
    problems, used = [], set()
    for name in SERIES.findall(text):
        used.add(name)
        if name == "up" or name in docs:
            continue
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if docs.get(base) == "histogram":
            continue
        problems.append(f"{what}: {name} is not a series docs/metrics.md lists")
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"{what}: {len(used)} series used, all documented")
    return used


def dashboard():
    path = os.path.join(DEPLOY, "grafana", "kmirror-dashboard.json")
    dash = json.load(open(path))
    exprs = []
    for p in dash["panels"]:
        if not p.get("targets"):
            sys.exit(f"panel '{p['title']}' has no query")
        exprs += [t["expr"] for t in p["targets"]]
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict):
            exprs.append(q["query"])
    used = check_names("\n".join(exprs), "kmirror-dashboard.json")
    # The panels: throughput, lag (records and seconds), latency percentiles, errors
    # and stopped partitions, rebalances and nodes, checkpoint freshness.
    for must in ["kmirror_records_mirrored_total", "kmirror_lag_records", "kmirror_lag_seconds",
                 "kmirror_replication_latency_seconds_bucket", "kmirror_delivery_errors_total",
                 "kmirror_partitions_paused", "kmirror_rebalances_total", "up",
                 "kmirror_checkpoint_last_success_timestamp_seconds"]:
        if must not in used:
            sys.exit(f"kmirror-dashboard.json: no panel uses {must}")


def systemd():
    analyze = need("systemd-analyze")
    binary = os.environ.get("KMIRROR_BINARY") or os.path.join(ROOT, "build", "src", "kmirror")
    if not os.access(binary, os.X_OK):
        print(f"SKIPPED: no kmirror binary at {binary} to point ExecStart at")
        sys.exit(SKIP)
    unit = open(os.path.join(DEPLOY, "systemd", "kmirror.service")).read()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "kmirror.service")
        open(path, "w").write(unit.replace("/usr/bin/kmirror", binary))
        out = run([analyze, "verify", path])
        if out.strip():
            sys.exit("systemd-analyze verify printed warnings")
        # Informational: systemd's own exposure score of the hardening.
        r = subprocess.run([analyze, "security", "--offline=yes", path], capture_output=True, text=True)
        tail = [l for l in r.stdout.splitlines() if "Overall exposure" in l]
        if tail:
            print(tail[0])
    for key in ["Restart=on-failure", "KillSignal=SIGTERM", "TimeoutStopSec=", "NoNewPrivileges=yes",
                "ProtectSystem=strict", "DynamicUser=yes", "CapabilityBoundingSet="]:
        if key not in unit:
            sys.exit(f"kmirror.service: missing {key}")


def kubernetes():
    import yaml  # python3-yaml
    kubectl = need("kubectl")
    out = run([kubectl, "kustomize", os.path.join(DEPLOY, "kubernetes")])
    docs = [d for d in yaml.safe_load_all(out) if d]
    kinds = {d["kind"]: d for d in docs}
    for k in ["Namespace", "ConfigMap", "Secret", "StatefulSet", "Service", "PodDisruptionBudget", "ServiceMonitor"]:
        if k not in kinds:
            sys.exit(f"no {k} in deploy/kubernetes")
    ss = kinds["StatefulSet"]
    spec = ss["spec"]["template"]["spec"]
    c = spec["containers"][0]
    problems = []
    if ss["spec"]["replicas"] != 3:
        problems.append("StatefulSet: replicas != 3")
    if c["livenessProbe"]["httpGet"]["path"] != "/healthz" or c["readinessProbe"]["httpGet"]["path"] != "/readyz":
        problems.append("probes must be /healthz (liveness) and /readyz (readiness)")
    if not spec["securityContext"].get("runAsNonRoot"):
        problems.append("pods must run as non-root")
    if "connect-mirror-maker.properties" not in kinds["ConfigMap"]["data"]:
        problems.append("the ConfigMap must hold connect-mirror-maker.properties")
    props = kinds["ConfigMap"]["data"]["connect-mirror-maker.properties"]
    if "metrics.listen = 0.0.0.0:7070" not in props:
        problems.append("the MM2 file must set metrics.listen")
    if re.search(r'password="(?!@)', props):
        problems.append("a password in the ConfigMap: it belongs in the Secret")
    if spec.get("terminationGracePeriodSeconds", 30) <= 60:
        problems.append("terminationGracePeriodSeconds must exceed shutdown.timeout.seconds (60)")
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    # The MM2 file in the ConfigMap is one kmirror accepts.
    binary = os.environ.get("KMIRROR_BINARY") or os.path.join(ROOT, "build", "src", "kmirror")
    if os.access(binary, os.X_OK):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "connect-mirror-maker.properties")
            open(path, "w").write(props.replace("@A_PASSWORD@", "x").replace("@B_PASSWORD@", "x"))
            run([binary, "check", "--config", path])
    print(f"deploy/kubernetes: {len(docs)} objects OK")


if __name__ == "__main__":
    checks = {"prometheus": prometheus, "dashboard": dashboard, "systemd": systemd, "kubernetes": kubernetes}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        sys.exit("usage: check-deploy.py " + "|".join(checks))
    checks[sys.argv[1]]()
