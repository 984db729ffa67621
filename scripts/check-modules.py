#!/usr/bin/env python3
"""Checks that the code follows the module graph declared in src/<module>/CMakeLists.txt.

Each module declares `kmirror_module(<name> DEPS <modules...> ...)`. A shared include path
cannot stop a wrong #include by itself, so this check does (ctest: modules.layers):
  - a module includes public headers ("kmirror/<x>/...") only of itself and its DEPS;
  - it includes private headers ("<x>/..." from src/) only of itself, and its public
    headers include no private header at all;
  - every declared dependency is used (the arrows are exactly what the code needs);
  - the graph has no cycle.
Generated protobuf headers ("kmirror/v1/...") belong to modules that link kmirror_proto
and to their direct users. Exit status 1 and one line per violation when anything is off.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")
INCLUDE = os.path.join(ROOT, "include", "kmirror")
DECL = re.compile(r"kmirror_module\(\s*(\w+)(.*?)\)", re.S)
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def declared_modules():
    modules = {}
    for name in sorted(os.listdir(SRC)):
        cmake = os.path.join(SRC, name, "CMakeLists.txt")
        if not os.path.isfile(cmake):
            continue
        text = re.sub(r"#.*", "", open(cmake).read())
        m = DECL.search(text)
        if not m or m.group(1) != name:
            sys.exit(f"{cmake}: no kmirror_module({name} ...) declaration")
        words = m.group(2).split()
        deps, libs, section = [], [], None
        for w in words:
            if w in ("DEPS", "PUBLIC_LIBS", "PRIVATE_LIBS"):
                section = w
            elif section == "DEPS":
                deps.append(w)
            elif section is not None:
                libs.append(w)
        modules[name] = {"deps": deps, "proto": "kmirror_proto" in libs}
    return modules


def files_of(module):
    for base, public in ((os.path.join(SRC, module), False), (os.path.join(INCLUDE, module), True)):
        for dirpath, _, names in os.walk(base):
            for n in sorted(names):
                if n.endswith((".h", ".cpp")):
                    yield os.path.join(dirpath, n), public


def main():
    modules = declared_modules()
    problems = []
    for name, info in modules.items():
        for dep in info["deps"]:
            if dep not in modules:
                problems.append(f"src/{name}/CMakeLists.txt: DEPS names unknown module '{dep}'")
    used = {name: set() for name in modules}
    for name, info in modules.items():
        proto_ok = info["proto"] or any(modules.get(d, {}).get("proto") for d in info["deps"])
        for path, public in files_of(name):
            rel = os.path.relpath(path, ROOT)
            for inc in INCLUDE_RE.findall(open(path, encoding="utf-8").read()):
                parts = inc.split("/")
                if parts[0] == "kmirror" and len(parts) > 2:
                    target = parts[1]
                    if target == "v1":
                        if not proto_ok:
                            problems.append(f"{rel}: includes {inc}, but {name} neither links kmirror_proto nor depends on a module that does")
                        continue
                    if target == name:
                        continue
                    if target not in info["deps"]:
                        problems.append(f"{rel}: includes {inc}, but {name} does not depend on {target} (src/{name}/CMakeLists.txt)")
                    else:
                        used[name].add(target)
                elif len(parts) > 1 and parts[0] in modules:
                    if public:
                        problems.append(f"{rel}: a public header includes the private header {inc}")
                    elif parts[0] != name:
                        problems.append(f"{rel}: includes {inc}, a private header of module {parts[0]}")
        for dep in info["deps"]:
            if dep in modules and dep not in used[name]:
                problems.append(f"src/{name}/CMakeLists.txt: declares DEPS {dep}, but no file of {name} includes it")
    # Cycles: depth-first search over the declared graph.
    state = {}

    def visit(n, stack):
        state[n] = "open"
        for d in modules[n]["deps"]:
            if d not in modules:
                continue
            if state.get(d) == "open":
                problems.append("module cycle: " + " -> ".join(stack + [n, d]))
            elif d not in state:
                visit(d, stack + [n])
        state[n] = "done"

    for n in modules:
        if n not in state:
            visit(n, [])
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"module graph OK: {len(modules)} modules, " +
          ", ".join(f"{n} -> {{{', '.join(i['deps'])}}}" for n, i in modules.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
