#!/usr/bin/env python3
"""Line counts of the largest files and functions at a git revision (for issue notes).

    python scripts/code_sizes.py [REV]      # default HEAD
"""

from __future__ import annotations

import ast
import subprocess
import sys

PACKAGES = ("retrieval", "ingest", "evals", "docqa", "ui", "scripts")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout


def main(rev: str = "HEAD") -> None:
    files = [f for f in _git("ls-tree", "-r", "--name-only", rev).split()
             if f.endswith(".py") and f.split("/")[0] in PACKAGES]
    sizes: list[tuple[int, str]] = []
    functions: list[tuple[int, str]] = []
    for name in files:
        source = _git("show", f"{rev}:{name}")
        sizes.append((len(source.splitlines()), name))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                end = node.end_lineno or node.lineno
                functions.append((end - node.lineno + 1, f"{name}:{node.name}"))
    sizes.sort(reverse=True)
    functions.sort(reverse=True)
    print(f"{rev}: {len(files)} files, {sum(n for n, _ in sizes)} lines")
    print("largest files:", ", ".join(f"{f} {n}" for n, f in sizes[:6]))
    print("largest functions:", ", ".join(f"{f} {n}" for n, f in functions[:6]))


if __name__ == "__main__":
    main(*sys.argv[1:2])
