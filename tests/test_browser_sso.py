"""Single sign-on in a real browser: Streamlit's OIDC login against a mock identity provider
(PyPI oidc-provider-mock, a real OIDC server on 127.0.0.1); role and groups come from claims."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from retrieval.settings import load_settings
from tests.browser_support import ARGS, CHROMIUM, free_port, new_page, settle, stop, wait_healthy

REPO = Path(__file__).resolve().parent.parent
CLAIMS = [{"sub": "carol", "email": "carol@example.com", "name": "Carol from HR",
           "groups": ["hr"], "roles": ["staff"]},
          {"sub": "dave", "email": "dave@example.com", "name": "Dave Admin",
           "roles": ["docqa-admin"]}]
pytestmark = pytest.mark.slow

if not CHROMIUM.exists():
    pytest.skip("Chromium is not installed (make test installs it: apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("oidc_provider_mock")


@dataclass
class SsoApp:
    url: str


@pytest.fixture(scope="module")
def sso_app(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[SsoApp]:
    from ingest.pipeline import Ingestor
    from retrieval.services import open_services

    root = tmp_path_factory.mktemp("sso")
    data = root / "data"
    with open_services(load_settings(data_dir=data, user="admin"), embedder=embedder) as svc:
        ingestor = Ingestor(svc)
        assert not ingestor.ingest([REPO / "data/docs/hr"], groups=["hr"]).failed
        assert not ingestor.ingest([REPO / "data/docs/public/faq.txt"]).failed
    idp_port, app_port = free_port(), free_port()
    (root / ".streamlit").mkdir()
    (root / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        'cookie_secret = "test-only-cookie-secret-0123456789"\n'
        'client_id = "docqa"\nclient_secret = "docqa-test-secret"\n'
        f'server_metadata_url = "http://127.0.0.1:{idp_port}/.well-known/openid-configuration"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCQA_", "OPENAI_"))}
    env.update(DOCQA_DATA_DIR=str(data), HF_HUB_OFFLINE="1")
    log = (root / "servers.log").open("wb")
    idp_cmd = [sys.executable, "-m", "oidc_provider_mock", "--port", str(idp_port)]
    for claims in CLAIMS:
        idp_cmd += ["--user-claims", json.dumps(claims)]
    idp = subprocess.Popen(idp_cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    app = subprocess.Popen([sys.executable, "-m", "docqa", "serve", "--port", str(app_port)],
                           cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{idp_port}", idp,
                     path="/.well-known/openid-configuration")
        wait_healthy(f"http://127.0.0.1:{app_port}", app)
        yield SsoApp(f"http://127.0.0.1:{app_port}")
    finally:
        stop(app)
        stop(idp)
        log.close()


@pytest.fixture(scope="module")
def browser(sso_app: SsoApp) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _sso_login(page: Any, app: SsoApp, sub: str) -> str:
    page.goto(app.url)
    page.get_by_role("button", name="Log in with single sign-on").click()
    page.get_by_role("button", name=sub, exact=True).click()  # the provider's consent page
    page.get_by_text("Signed in as").wait_for()
    settle(page)
    return str(page.get_by_test_id("stSidebar").inner_text())


def test_sso_user_gets_role_and_groups_from_claims(sso_app: SsoApp, browser: Any) -> None:
    page = new_page(browser)
    sidebar = _sso_login(page, sso_app, "carol")
    assert "Carol from HR (employee)" in sidebar and "Documents" not in sidebar
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("What is the merit increase budget for the 2026 salary review?")
    box.press("Enter")
    page.get_by_text("Why these sources").wait_for()
    settle(page)
    answer = page.get_by_test_id("stChatMessage").last.inner_text()
    assert "3.8 percent" in answer and "Salary Bands 2026" in answer  # an hr document


def test_sso_admin_role_opens_the_admin_pages(sso_app: SsoApp, browser: Any) -> None:
    page = new_page(browser)
    sidebar = _sso_login(page, sso_app, "dave")
    assert "Dave Admin (admin)" in sidebar and "Documents" in sidebar
    page.get_by_role("link", name="Documents").click()
    page.get_by_test_id("stFileUploaderDropzoneInput").wait_for(state="attached")
