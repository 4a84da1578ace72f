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
