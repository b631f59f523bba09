"""Test-wide setup: offscreen Qt before anything imports it, a real example office, and a
real server on 127.0.0.1 with an ephemeral port."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from config import office as office_config  # noqa: E402

# As in the apps (office_client/app_shell.py): the cyclic GC never runs by itself, because it
# could run in a worker or Qt thread and destroy Qt objects there, which crashes Qt. Each
# test's garbage is collected after it, here, on the main (GUI) thread.
gc.disable()


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread():
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _private_credentials_folder(tmp_path_factory, monkeypatch):
    """Apps started with --token write a credentials file (office_client/credentials.py):
    in a test's own folder, never the user's ~/.config/antrean. Child processes inherit it."""
    monkeypatch.setenv("ANTREAN_CONFIG_DIR", str(tmp_path_factory.mktemp("antrean-config")))


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for a test module (pages against the real server). Per module, not
    per session: a gallery a later module renders starts Playwright's sync API itself, and
    two of those cannot run at once. Skipped where Chromium is missing (a failure in CI)."""
    from antrean.gallery.board import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (ANTREAN_NO_SKIPS=1, set by .ci/run) a skipped test fails: CI installs every
    tool the tests need (openssl, chromium, poppler, LibreOffice), so a skip there means a
    check silently did not run."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("ANTREAN_NO_SKIPS") == "1":
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may be: {report.longrepr}"


@pytest.fixture(scope="session")
def office():
    """The example office configuration (config/office.example.toml)."""
    return office_config.load()


@pytest.fixture(scope="session")
def open_office(office):
    """The example office, open around the clock (tests run at any hour)."""
    return office_config.always_open(office)


@dataclass
class LiveServer:
    url: str
    http_url: str
    db_path: Path
    tokens: dict[str, str]  # device name -> token
    thread: object

    def restart(self):
        from server.app import ServerThread
        port = self.thread.port
        self.thread.stop()
        self.thread = ServerThread(self.thread.config, self.db_path, port=port,
                                   reports=report_hooks()).start()
        return self


from antrean.demo_office import pair_demo_devices as pair_devices  # noqa: E402
from antrean.wiring import report_hooks  # noqa: E402


@pytest.fixture
def live_server(tmp_path, open_office):
    from server.app import ServerThread
    db_path = tmp_path / "antrean.db"
    tokens = pair_devices(db_path)
    server = LiveServer("", "", db_path, tokens, ServerThread(open_office, db_path,
                                                                   reports=report_hooks()).start())
    server.url, server.http_url = server.thread.url, server.thread.http_url
    yield server
    server.thread.stop()
