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


PLACEHOLDER = re.compile(r"\$\{([^:}]*):([^}]*)\}")


def properties(text):
    """A .properties text's key -> value (no continuation lines: the deploy files use none)."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        m = re.match(r"([^=:\s]+)\s*[=:]?\s*(.*)", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def secret_data(secret):
    """The Secret's keys -> values (stringData as is, data base64-decoded)."""
    import base64
    data = dict(secret.get("stringData") or {})
    for k, v in (secret.get("data") or {}).items():
        data[k] = base64.b64decode(v).decode()
    return data


def secret_mounts(spec, container, secrets):
    """Directories the container sees the Secrets' keys in: mountPath -> {file name: value}."""
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    out = {}
    for m in container.get("volumeMounts", []):
        v = volumes.get(m["name"], {})
        if "secret" not in v or v["secret"]["secretName"] not in secrets:
            continue
        data = secrets[v["secret"]["secretName"]]
        items = v["secret"].get("items")
        files = {i["path"]: data[i["key"]] for i in items if i["key"] in data} if items else dict(data)
        out[m["mountPath"].rstrip("/")] = files
    return out


def secret_env(container, secrets):
    """Environment variables the container gets from the Secrets: name -> value."""
    env = {}
    for e in container.get("envFrom", []):
        name = e.get("secretRef", {}).get("name")
        if name in secrets:
            env.update({e.get("prefix", "") + k: v for k, v in secrets[name].items()})
    for e in container.get("env", []):
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref and ref["name"] in secrets and ref["key"] in secrets[ref["name"]]:
            env[e["name"]] = secrets[ref["name"]][ref["key"]]
    return env


def check_placeholders(props, mounts, env):
    """Every ${provider:...} in the MM2 file names something the container has. Returns problems."""
    conf = properties(props)
    classes = {"file": "FileConfigProvider", "env": "EnvVarConfigProvider", "dir": "DirectoryConfigProvider"}
    configured = {}
    for name in [n.strip() for n in conf.get("config.providers", "").split(",") if n.strip()]:
        cls = conf.get(f"config.providers.{name}.class", "")
        kind = next((k for k, c in classes.items() if cls == "org.apache.kafka.common.config.provider." + c), None)
        configured[name] = kind
    problems, found = [], 0
    for key, value in conf.items():
        for provider, rest in PLACEHOLDER.findall(value):
            found += 1
            where = f"{key}: ${{{provider}:{rest}}}"
            kind = configured.get(provider)
            if kind is None:
                problems.append(f"{where}: provider '{provider}' is not in config.providers with a known class")
                continue
            allowed = [a.strip().rstrip("/") for a in
                       conf.get(f"config.providers.{provider}.param.allowed.paths", "").split(",") if a.strip()]
            if kind == "env":
                var = rest.lstrip(":")
                if var not in env:
                    problems.append(f"{where}: no variable {var} from a Secret in the container")
                continue
            path, _, file_key = rest.partition(":")
            if allowed and not any(path == a or path.startswith(a + "/") for a in allowed):
                problems.append(f"{where}: {path} is outside config.providers.{provider}.param.allowed.paths")
            if kind == "dir":
                if path.rstrip("/") not in mounts:
                    problems.append(f"{where}: no Secret is mounted at {path}")
                elif file_key not in mounts[path.rstrip("/")]:
                    problems.append(f"{where}: the Secret mounted at {path} has no key {file_key}")
            else:  # file: PATH is a file of a mounted Secret, KEY a key in it
                d, _, name = path.rpartition("/")
                if d not in mounts or name not in mounts[d]:
                    problems.append(f"{where}: no Secret key is mounted as {path}")
                elif file_key not in properties(mounts[d][name]):
                    problems.append(f"{where}: {path} has no key {file_key}")
    if found == 0:
        problems.append("the MM2 file has no ${...} placeholder: where do the passwords come from?")
    return problems


def write_secret_volume(root, files):
    """`files` laid out as the kubelet does a Secret volume: ..data -> a timestamped directory,
    each key a symlink through ..data, so kmirror reads the passwords the way a pod does."""
    stamp = os.path.join(root, "..2026_01_01_00_00_00.000000000")
    os.makedirs(stamp)
    for name, value in files.items():
        with open(os.path.join(stamp, name), "w") as f:
            f.write(value)
    os.symlink(os.path.basename(stamp), os.path.join(root, "..data"))
    for name in files:
        os.symlink(os.path.join("..data", name), os.path.join(root, name))


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
    if re.search(r'password="(?!\$\{)', props) or re.search(r"^\s*\S*password\s*[=:]\s*(?!\$\{)\S", props, re.M):
        problems.append("a password in the ConfigMap: it belongs in the Secret (name it with ${dir:...})")
    if spec.get("terminationGracePeriodSeconds", 30) <= 60:
        problems.append("terminationGracePeriodSeconds must exceed shutdown.timeout.seconds (60)")
    # The file is used as the ConfigMap has it: no init container rewrites it.
    if spec.get("initContainers"):
        problems.append("an init container: the MM2 file's ${...} placeholders are resolved by kmirror itself")
    config_mounts = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/etc/kmirror"]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    if not config_mounts or volumes.get(config_mounts[0]["name"], {}).get("configMap", {}).get("name") != \
            kinds["ConfigMap"]["metadata"]["name"]:
        problems.append("/etc/kmirror must be the ConfigMap itself")
    secrets = {d["metadata"]["name"]: secret_data(d) for d in docs if d["kind"] == "Secret"}
    mounts = secret_mounts(spec, c, secrets)
    problems += check_placeholders(props, mounts, secret_env(c, secrets))
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"deploy/kubernetes: every placeholder names a key of a Secret the container mounts "
          f"({', '.join(sorted(mounts)) or 'none'})")
    # The MM2 file in the ConfigMap is one kmirror accepts, with its placeholders resolved
    # from the Secret's files laid out as in a pod (mount paths moved under a temp dir).
    binary = os.environ.get("KMIRROR_BINARY") or os.path.join(ROOT, "build", "src", "kmirror")
    if os.access(binary, os.X_OK):
        with tempfile.TemporaryDirectory() as tmp:
            text = props
            for i, (mount, files) in enumerate(sorted(mounts.items())):
                root = os.path.join(tmp, f"secret{i}")
                os.makedirs(root)
                write_secret_volume(root, files)
                text = text.replace(mount, root)
            path = os.path.join(tmp, "connect-mirror-maker.properties")
            open(path, "w").write(text)
            run([binary, "check", "--config", path])
            # A key the Secret lacks stops kmirror at start-up (exit 2), naming the key.
            broken = os.path.join(tmp, "broken.properties")
            first = PLACEHOLDER.search(text)
            open(broken, "w").write(text.replace(first.group(0), "${" + first.group(1) + ":" +
                                                 first.group(2).rpartition(":")[0] + ":no-such-key}", 1))
            r = subprocess.run([binary, "check", "--config", broken], capture_output=True, text=True)
            if r.returncode != 2 or "no-such-key" not in r.stdout + r.stderr:
                sys.exit(f"kmirror check accepted a placeholder naming a missing key (exit {r.returncode}):\n"
                         + r.stdout + r.stderr)
            print("kmirror check refuses a placeholder naming a key the Secret lacks (exit 2)")
    print(f"deploy/kubernetes: {len(docs)} objects OK")


if __name__ == "__main__":
    checks = {"prometheus": prometheus, "dashboard": dashboard, "systemd": systemd, "kubernetes": kubernetes}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        sys.exit("usage: check-deploy.py " + "|".join(checks))
    checks[sys.argv[1]]()
