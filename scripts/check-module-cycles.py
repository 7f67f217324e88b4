#!/usr/bin/env python3
"""Fails when a module imports a module that imports it back, directly or round a longer loop.

    python3 scripts/check-module-cycles.py [CRATE_SRC_DIR]...

Defaults to every crate of the workspace. Edges come from `crate::…` and `super::…` paths
outside `#[cfg(test)]` (a test module may import what it tests). An item that a module
re-exports with `pub use child::Item` counts as an edge to the child that defines it. A parent
declaring its children is not an edge, so `use super::AppState` in a route module is fine: the
rule is about modules that lean on each other, as `api` and the AWS-failure module once did.
Python 3 standard library only.
"""

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CRATES = ["shared/src", "backend/src", "frontend/src", "tests/fake-bedrock/src"]

PATH = re.compile(r"\b((?:crate|super)(?:::(?:[A-Za-z_][A-Za-z0-9_]*|\{[^}]*\}))+)")
REEXPORT = re.compile(r"pub(?:\([a-z]+\))? use (?:self::)?([a-z_][a-z0-9_]*)::(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)")


def without_tests_and_comments(source):
    test_start = source.find("#[cfg(test)]")
    if test_start >= 0:
        source = source[:test_start]
    return re.sub(r"//[^\n]*", "", source)


def modules_of(root):
    """Module path (`server::aws`) -> file, for every module of the crate but its binaries."""
    modules = {}
    for file in root.rglob("*.rs"):
        parts = list(file.relative_to(root).with_suffix("").parts)
        if parts[0] == "bin":
            continue
        if parts[-1] in ("mod", "lib", "main"):
            parts = parts[:-1]
        modules["::".join(parts)] = file
    return modules


def edges_of(modules):
    sources = {name: without_tests_and_comments(file.read_text()) for name, file in modules.items()}
    reexports = {}
    for name, source in sources.items():
        for child, items in REEXPORT.findall(source):
            child_path = f"{name}::{child}" if name else child
            if child_path not in modules:
                continue
            for item in items.strip("{}").split(","):
                reexports.setdefault(name, {})[item.strip().split(" as ")[-1]] = child_path

    edges = {name: set() for name in modules}
    for name, source in sources.items():
        here = name.split("::") if name else []
        is_dir_module = modules[name].name in ("mod.rs", "lib.rs", "main.rs")
        for path in PATH.findall(source):
            segments = path.split("::")
            if segments[0] == "crate":
                base, rest = [], segments[1:]
            else:
                base = here if is_dir_module else here[:-1]
                rest = segments[1:]
                while rest and rest[0] == "super":
                    base, rest = base[:-1], rest[1:]
            if not rest:
                continue
            if rest[0].startswith("{"):
                heads, tail = [item.strip().split("::")[0] for item in rest[0][1:-1].split(",")], []
            else:
                heads, tail = [rest[0]], rest[1:]
            for head in heads:
                target = "::".join(base + [head])
                if target not in modules:
                    continue
                for item in tail:
                    if f"{target}::{item}" in modules:
                        target = f"{target}::{item}"
                    elif item in reexports.get(target, {}):
                        target = reexports[target][item]
                        break
                    else:
                        break
                related = target == name or name.startswith(target + "::") or target.startswith(name + "::")
                if target and not related:
                    edges[name].add(target)
    return edges


def cycles(edges):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for next_node in edges[node]:
            if next_node not in index:
                visit(next_node)
                low[node] = min(low[node], low[next_node])
            elif next_node in on_stack:
                low[node] = min(low[node], index[next_node])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in edges:
        if node not in index:
            visit(node)
    return found


def main():
    roots = [Path(arg) for arg in sys.argv[1:]] or [REPO / crate for crate in CRATES]
    failed = False
    for root in roots:
        modules = modules_of(root)
        edges = edges_of(modules)
        loops = cycles(edges)
        for loop in loops:
            failed = True
            print(f"{root}: modules that import each other: {', '.join(loop)}")
            for source in loop:
                for target in sorted(edges[source] & set(loop)):
                    print(f"    {source} -> {target}")
        if not loops:
            print(f"{root}: no import cycles among {len(modules)} modules")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
