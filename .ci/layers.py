#!/usr/bin/env python3
"""Checks the import rule of src/lib.rs ("# Layout") on the module graph.

Reads the DOT graph of `cargo modules dependencies -p ordergraph --lib
--no-externs --no-sysroot` on stdin (cargo-modules resolves `use` items and the
types in item signatures with rust-analyzer) and, because that graph does not
see paths written inside function bodies, also scans the source of every
service module for such paths. Fails when:

  1. a service module (anything that is not GraphQL surface or transport) uses
     a GraphQL output type, resolver, loader or the GraphQL context;
  2. modules import each other in a circle that is not made of GraphQL object
     type modules only (Order <-> Customer <-> OrderEvent may refer to each
     other; nothing else may).
"""

import re
import sys
from collections import defaultdict
from pathlib import Path

CRATE = "ordergraph"
# The GraphQL surface: object types, resolvers, loaders, subscriptions.
GRAPHQL_ROLES = {"types", "queries", "mutations", "loaders", "subscriptions", "connection"}
# Object type modules: the only ones allowed to refer to each other in a circle.
OBJECT_TYPES = {"types", "connection"}
# Composition and transport: they wire everything together.
TRANSPORT = {f"{CRATE}::http", f"{CRATE}::app", f"{CRATE}::state"}

NODE = re.compile(r'^\s*"([^"]+)" \[label="[^"]*".*// "([\w ]+)" node')
EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)" \[label="(\w+)"')


def is_graphql(module: str) -> bool:
    parts = module.split("::")
    return parts[-1] in GRAPHQL_ROLES or parts[1:2] == ["graphql"]


def is_transport(module: str) -> bool:
    return any(module == t or module.startswith(t + "::") for t in TRANSPORT)


def source_file(module: str, root: Path) -> Path | None:
    rel = Path(*module.split("::")[1:])
    for candidate in (root / "src" / rel.with_suffix(".rs"), root / "src" / rel / "mod.rs"):
        if candidate.exists():
            return candidate
    return None


def sccs(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan), iteratively."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for start in list(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(sorted(component))
    return out


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    kinds, uses = {}, []
    for line in sys.stdin:
        if m := NODE.match(line):
            kinds[m.group(1)] = m.group(2)
        elif (m := EDGE.match(line)) and m.group(3) == "uses":
            uses.append((m.group(1), m.group(2)))
    modules = {path for path, kind in kinds.items() if kind in ("mod", "crate")}
    if len(modules) < 20 or not uses:
        print(f"layers: the module graph looks empty ({len(modules)} modules, {len(uses)} uses)")
        return 2

    def module_of(path: str) -> str:
        parts = path.split("::")
        while parts and "::".join(parts) not in modules:
            parts.pop()
        return "::".join(parts)

    graph: dict[str, set[str]] = defaultdict(set)
    for module in modules:
        graph[module]
    problems = []
    for src, dst in uses:
        # cargo-modules files the items of an `impl` block under the type's
        # path, wherever the block is written (`impl Loader<K> for DbLoader` in
        # orders/loaders.rs shows up under graphql::loader), so edges out of
        # associated items say nothing about which file imports what. The
        # module's own `use` items and its free items do.
        parent = src.rsplit("::", 1)[0]
        if src not in modules and parent not in modules:
            continue
        a, b = module_of(src), module_of(dst)
        if not a.startswith(CRATE + "::") or not b.startswith(CRATE + "::") or a == b:
            continue
        graph[a].add(b)
        if not is_graphql(a) and not is_transport(a) and is_graphql(b):
            problems.append(f"{a} uses {dst} (GraphQL surface) in a `use` or a signature")

    body_path = re.compile(
        r"\b(?:crate::\w+::|super::)(" + "|".join(sorted(GRAPHQL_ROLES)) + r")\b|\bcrate::graphql\b"
    )
    services = sorted(m for m in modules if m != CRATE and not is_graphql(m) and not is_transport(m))
    for module in services:
        path = source_file(module, root)
        if path is None:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("//", 1)[0]
            if body_path.search(code):
                problems.append(f"{path.relative_to(root)}:{number}: {line.strip()}")

    circles = [c for c in sccs(graph) if len(c) > 1]
    for circle in circles:
        if not all(m.split("::")[-1] in OBJECT_TYPES for m in circle):
            problems.append("modules import each other in a circle: " + " <-> ".join(circle))

    print(
        f"layers: {len(modules)} modules, {sum(len(v) for v in graph.values())} module edges, "
        f"{len(services)} service modules checked"
    )
    for circle in circles:
        allowed = all(m.split("::")[-1] in OBJECT_TYPES for m in circle)
        label = "object types referring to each other (allowed)" if allowed else "NOT ALLOWED"
        print(f"  circle, {label}: " + " <-> ".join(m.removeprefix(CRATE + "::") for m in circle))
    if problems:
        print("layers: the import rule of src/lib.rs is broken:")
        for problem in dict.fromkeys(problems):
            print("  " + problem)
        return 1
    print("layers: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
