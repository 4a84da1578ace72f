"""pytest runs Tryton's scenario doctests but not their teardown (Tryton's
load_tests does it under unittest): without it, PostgreSQL keeps the
previous scenario's connections and the next one cannot drop the database."""
import pytest
from _pytest.doctest import DoctestItem


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    if isinstance(item, DoctestItem):
        from trytond.tests.test_tryton import doctest_teardown
        doctest_teardown(item.dtest)


def pytest_collection_modifyitems(config, items):
    """CI's second pass (.ci/run, PostgreSQL) sets
    SKIP_ENGINE_INDEPENDENT=1: the tests that never touch a database (their
    module or class says ENGINE_INDEPENDENT = True: files, arithmetic,
    sources) ran in the SQLite pass already and are deselected, not
    skipped, so that the pass's count says what it ran."""
    import os
    if os.environ.get('SKIP_ENGINE_INDEPENDENT') != '1':
        return
    kept, deselected = [], []
    for item in items:
        owners = [getattr(item, 'module', None), getattr(item, 'cls', None)]
        if any(getattr(o, 'ENGINE_INDEPENDENT', False) for o in owners):
            deselected.append(item)
        else:
            kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
