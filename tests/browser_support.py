"""What the browser suites share: starting servers on 127.0.0.1 and driving Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 120,
                 path: str = "/_stcore/health") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:4]} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}{path}", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not become healthy")


def new_page(browser: Any) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(90_000)
    return page


def settle(page: Any) -> None:
    """Until Streamlit has finished the current run (its status widget disappears)."""
    time.sleep(0.3)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without docqa or model settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCQA_", "OPENAI_"))}
    env.update(HF_HUB_OFFLINE="1", **extra)
    return env


def serve_command(port: int) -> list[str]:
    return [sys.executable, "-m", "docqa", "serve", "--port", str(port)]


@contextmanager
def running(cmd: Sequence[str], url: str, *, cwd: Path, env: dict[str, str], log: IO[bytes],
            health_path: str = "/_stcore/health") -> Iterator[subprocess.Popen[bytes]]:
    """A server process, healthy at ``url`` before the block runs, stopped after it."""
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url, proc, path=health_path)
        yield proc
    finally:
        stop(proc)


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()
