"""The house's shape, enforced: imports run one way (retrieval <- ingest, evals <- docqa <- ui),
each vendor SDK is imported in exactly one file, and no two modules import each other, even
through a chain (function-level imports count)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("retrieval", "ingest", "evals", "docqa", "ui")
#: what each package may import of ours
ALLOWED = {
    "retrieval": {"retrieval"},
    "ingest": {"retrieval", "ingest"},
    "evals": {"retrieval", "evals"},
    "docqa": {"retrieval", "ingest", "evals", "docqa"},
    "ui": {"retrieval", "ingest", "evals", "docqa", "ui"},
}
#: vendor SDK -> the one file allowed to import it
VENDOR_FILES = {
    "openai": {"retrieval/adapters/openai_compat.py"},
    "qdrant_edge": {"retrieval/adapters/qdrant_embedded.py"},
    "qdrant_client": {"retrieval/adapters/qdrant_server.py"},
    "pypdf": {"ingest/pdf.py"},
    "docx": {"ingest/office.py"},
    "pptx": {"ingest/office.py"},
    "openpyxl": {"ingest/spreadsheet.py"},
    "msoffcrypto": {"ingest/office_guard.py"},
    "pypdfium2": {"ingest/rasterise.py"},
    "sentence_transformers": {"retrieval/adapters/minilm.py"},
    "onnxruntime": {"retrieval/adapters/minilm_onnx.py"},
    "ragas": {"evals/ragas_adapter.py"},
}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        for target in imports_of(path):
            if target in known and target != name:
                edges[name].add(target)
    return edges


def test_imports_run_one_way() -> None:
    wrong = []
    for name, path in modules().items():
        own = name.split(".")[0]
        for target in imports_of(path):
            top = target.split(".")[0]
            if top in PACKAGES and top not in ALLOWED[own]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, wrong


def test_each_vendor_sdk_lives_in_one_file() -> None:
    wrong = []
    for path in modules().values():
        rel = path.relative_to(REPO).as_posix()
        for target in imports_of(path):
            sdk = target.split(".")[0]
            if sdk in VENDOR_FILES and rel not in VENDOR_FILES[sdk]:
                wrong.append(f"{rel} imports {sdk}")
            if sdk == "streamlit" and not rel.startswith("ui/"):
                wrong.append(f"{rel} imports streamlit")
    assert not wrong, wrong


def test_no_import_cycle() -> None:
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert not cycles, cycles


def test_the_architecture_page_names_every_module() -> None:
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [name for name, path in modules().items()
               if path.name != "__init__.py" and f"`{path.relative_to(REPO).as_posix()}`"
               not in page]
    assert not missing, f"docs/architecture.md does not describe: {missing}"
