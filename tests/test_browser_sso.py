"""Single sign-on in a real browser: Streamlit's OIDC login against a mock identity provider
(PyPI oidc-provider-mock, a real OIDC server on 127.0.0.1); role and groups come from claims."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from retrieval.settings import load_settings
from tests.browser_support import (
    CHROMIUM,
    chromium,
    clean_env,
    free_port,
    new_page,
    running,
    serve_command,
    settle,
)

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
    from docqa.services import open_services
    from ingest.pipeline import Ingestor

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
    idp_cmd = [sys.executable, "-m", "oidc_provider_mock", "--port", str(idp_port)]
    for claims in CLAIMS:
        idp_cmd += ["--user-claims", json.dumps(claims)]
    env = clean_env(DOCQA_DATA_DIR=str(data))
    idp_url, url = f"http://127.0.0.1:{idp_port}", f"http://127.0.0.1:{app_port}"
    with (root / "servers.log").open("wb") as log, \
            running(idp_cmd, idp_url, cwd=root, env=env, log=log,
                    health_path="/.well-known/openid-configuration"), \
            running(serve_command(app_port), url, cwd=root, env=env, log=log):
        yield SsoApp(url)


@pytest.fixture(scope="module")
def browser(sso_app: SsoApp) -> Iterator[Any]:
    with chromium() as b:
        yield b


def _sso_login(page: Any, app: SsoApp, sub: str) -> str:
    page.goto(app.url)
    settle(page)  # a person reads the page first; a click during the first run can be lost
    consent = page.get_by_role("button", name=sub, exact=True)  # the provider's page
    for _ in range(3):
        page.get_by_role("button", name="Log in with single sign-on").click()
        try:
            consent.wait_for(timeout=15_000)
            break
        except sync_api.TimeoutError:
            settle(page)
    consent.click()
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
    # /media is guarded: Streamlit's signed login cookie counts as a session there
    missing = f"{sso_app.url}/media/no-such-file.bin"
    assert page.request.get(missing).status == 404  # with the browser's cookies: past it
    anonymous = page.context.browser.new_context()
    assert anonymous.request.get(missing).status == 403
    anonymous.close()
