"""Fixtures of the browser tests (web client and portal): the demo
database is built once per test session and served on a free port."""
import sys
import time

import pytest

from server import (
    CHROMIUM, CHROMIUM_ARGS, ROOT, Client, ensure_chromium, ensure_sao,
    free_port, relax_throttle, start_server, stop_server)
from server import DEMO_DATABASE as DATABASE


@pytest.fixture(scope='session')
def demo_server(tmp_path_factory):
    "The demo database in a temporary directory, served on a free port"
    pytest.importorskip('playwright.sync_api')
    ensure_chromium()
    ensure_sao()
    sys.path.insert(0, str(ROOT / 'scripts'))
    from demo_data import MailSink, build_demo_database, write_demo_config
    from egov_app_request.tests.tools import DEMO_PASSWORD
    directory = tmp_path_factory.mktemp('demo')
    started = time.monotonic()
    port = free_port()
    build_demo_database(directory, DATABASE, port, quiet=True)
    print(f"\ndemo database built in {time.monotonic() - started:.0f} s")
    sink = MailSink(directory)
    configs = write_demo_config(directory, port, sink.port)
    process = start_server(configs, DATABASE, port=port,
        log=str(directory / 'trytond.log'))
    process.password = DEMO_PASSWORD
    process.log = directory / 'trytond.log'
    process.base = process.url.rstrip('/') + '/' + DATABASE
    # The browser tests create requests and upload quickly as one account.
    admin = Client(process.url, DATABASE)
    admin.url += '' if admin.url.endswith('/rpc/') else 'rpc/'
    relax_throttle(admin.login('admin', DEMO_PASSWORD))
    try:
        yield process
    finally:
        stop_server(process)
        sink.close()


@pytest.fixture(scope='session')
def browser(demo_server):
    "Debian's Chromium driven by Playwright"
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
