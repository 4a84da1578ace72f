"""The portal's pages called in-process, as their routes call them (no
HTTP server): for the tests that count a page's statements or read what a
page says while the worker has not run yet."""
from contextlib import contextmanager

from trytond.pool import Pool
from trytond.protocols.wrappers import Request as WebRequest
from trytond.transaction import Transaction, check_access
from werkzeug.test import EnvironBuilder

from .. import portal


@contextmanager
def portal_session(database, user_id, path, query=None):
    """(the web request of `path`, the pool, the session's user) as a
    portal route hands them to its page function: in the user's
    transaction, with the user's preferences in Indonesian and access
    checks"""
    request = WebRequest(EnvironBuilder(
            path=f'/{database}{path}',
            query_string=query or {}).get_environ())
    with Transaction().start(database, user_id) as transaction:
        pool = Pool()
        preferences = pool.get('res.user').get_preferences(
            context_only=True)
        with transaction.set_context(preferences, language='id'), \
                check_access():
            yield request, pool, portal._user_info(pool, user_id, 'key')
