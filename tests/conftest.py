"""Fixtures of the browser tests (web client and portal): the demo
database is built once per test session and served on a free port."""
import sys
import threading
import time

import pytest

from server import (
    CHROMIUM, CHROMIUM_ARGS, ROOT, Client, ensure_chromium, ensure_sao,
    free_port, relax_throttle, start_server, stop_server)
from server import DEMO_DATABASE as DATABASE


def _skipped(item):
    "The item carries a skipif whose condition is True (test_orphan_files)"
    return any(mark.args and mark.args[0] is True
        for mark in item.iter_markers('skipif'))


def pytest_collection_finish(session):
    """Start the builds the collected tests will wait for, in threads whose
    work runs in child processes (trytond-admin, the filling with proteus):
    they go on beside the tests that run in this process (the module's
    tests and scenarios come first), on the machine's other core. The
    demo database for the fixture demo_server, the base database that
    dbbuild.new_database copies."""
    if session.config.option.collectonly:
        return
    items = [i for i in session.items if not _skipped(i)]
    if any('demo_server' in getattr(i, 'fixturenames', ()) for i in items):
        _start_demo_build(session.config._tmp_path_factory)
    if any(hasattr(getattr(i, 'module', None), 'new_database')
            for i in items):
        from dbbuild import prebuild
        prebuild()


_demo_build = {}


def _start_demo_build(tmp_path_factory):
    """Build the demo database in a thread (not a daemon: the interpreter
    waits for it at exit); the fixture demo_server waits for it"""
    sys.path.insert(0, str(ROOT / 'scripts'))
    from demo_data import build_demo_database
    directory = tmp_path_factory.mktemp('demo')
    port = free_port()

    def build():
        started = time.monotonic()
        try:
            build_demo_database(directory, DATABASE, port, quiet=True)
        except BaseException as error:
            _demo_build['error'] = error
        _demo_build['seconds'] = time.monotonic() - started

    _demo_build.update(directory=directory, port=port, error=None,
        thread=threading.Thread(target=build, name='egov-demo-build'))
    _demo_build['thread'].start()


@pytest.fixture(scope='session')
def demo_server(tmp_path_factory):
    "The demo database in a temporary directory, served on a free port"
    pytest.importorskip('playwright.sync_api')
    ensure_chromium()
    ensure_sao()
    sys.path.insert(0, str(ROOT / 'scripts'))
    from demo_data import MailSink, write_demo_config
    from egov_app_request.tests.tools import DEMO_PASSWORD
    if not _demo_build:
        _start_demo_build(tmp_path_factory)
    waited = time.monotonic()
    _demo_build['thread'].join()
    if _demo_build['error'] is not None:
        raise RuntimeError('the demo database could not be built'
            ) from _demo_build['error']
    directory, port = _demo_build['directory'], _demo_build['port']
    print(f"\ndemo database built in {_demo_build['seconds']:.0f} s "
        f"(waited {time.monotonic() - waited:.0f} s)")
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
