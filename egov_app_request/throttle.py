"""Throttling of request creation and uploads (OWASP ASVS V2.4
anti-automation): per account and per IP network, over a sliding minute.

The counters are rows of a table, like trytond's res.user.login.attempt, so
that every WSGI worker process sees the same counts. A row is written in
the transaction of what it counts: a creation or an upload that is
refused for another reason (and rolled back) is not counted. Rows older
than an hour are removed by a counted call at most every five minutes in
each server process (CLEAN_EVERY), not by every call: the counts read only
the last minute, and a DELETE on every create cost a statement each.

The limits are fields of the e-Government configuration (sop.py): the
Dinas adjusts them without restarting the server, every worker reads the
same values at once, and they sit beside the upload quotas they go with.

Only calls that come over the network (JSON-RPC, the portal: a `_request`
in the context) are throttled; the scripts an administrator runs
in-process (proteus, trytond-admin, the demo build) are not."""
import datetime as dt
import time

from sql import Literal, With
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, fields
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from . import security_log
from .exceptions import ThrottledError

WINDOW = dt.timedelta(minutes=1)
KEEP = dt.timedelta(hours=1)
# How often a server process removes the rows older than KEEP (seconds).
CLEAN_EVERY = 5 * 60

#: kind: (configuration field per user, per IP network, message)
LIMITS = {
    'request': ('throttle_requests_user', 'throttle_requests_ip',
        'egov_app_request.msg_throttled_request'),
    'upload': ('throttle_uploads_user', 'throttle_uploads_ip',
        'egov_app_request.msg_throttled_upload'),
    }


class Throttle(ModelSQL):
    "Throttle counter"
    __name__ = 'egov.throttle'
    __string__ = "Throttle Counter"
    kind = fields.Selection([
            ('request', "Request Created"),
            ('upload', "Document Uploaded"),
            ], "Kind", required=True)
    user = fields.Integer("User")
    ip_network = fields.Char("IP Network")
    amount = fields.Integer("Amount", required=True)
    # When this server process last removed the old rows of the database
    # (time.monotonic()).
    _cleaned_cache = Cache('egov.throttle.cleaned', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        table = cls.__table__()
        cls._sql_indexes.add(Index(
                table,
                (table.kind, Index.Equality()),
                (table.create_date, Index.Range())))


    @staticmethod
    def _source():
        "(user id, IP network) of a network call, None in-process"
        transaction = Transaction()
        if not transaction.user or not transaction.context.get('_request'):
            return None
        try:
            _, network = transaction.remote_address()
        except ValueError:
            network = None
        return transaction.user, str(network) if network else None

    @classmethod
    def _used(cls, kind, user, network, record=None):
        """What `user` and `network` used of `kind` in the window: one
        query. `record`: the amount to count, its row written by the same
        statement on PostgreSQL (which the sum, of the statement's
        snapshot, does not see); the caller writes it on SQLite."""
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        since = dt.datetime.now() - WINDOW
        by_network = (table.ip_network == network) if network else Literal(
            False)
        with_ = []
        if record is not None and backend.name == 'postgresql':
            with_.append(With(query=cls._insert(
                        table, kind, user, network, record,
                        returning=[table.id])))
        cursor.execute(*table.select(
                Coalesce(Sum(Case(
                            (table.user == user, table.amount), else_=0)), 0),
                Coalesce(Sum(Case(
                            (by_network, table.amount), else_=0)), 0),
                where=(table.kind == kind) & (table.create_date >= since),
                with_=with_))
        used_user, used_ip = cursor.fetchone()
        return {'user': used_user or 0, 'ip': used_ip or 0}, bool(with_)

    @staticmethod
    def _insert(table, kind, user, network, amount, returning=None):
        """A counter row, written as the ORM would (create_uid,
        create_date) without its validation: nothing of it is user input,
        and it is written on every counted call"""
        return table.insert(
            [table.kind, table.user, table.ip_network, table.amount,
                table.create_uid, table.create_date],
            [[kind, user, network, amount, Transaction().user,
                    CurrentTimestamp()]],
            returning=returning)

    @classmethod
    def check(cls, kind, amount=1, record=False, model=None,
            record_id=None):
        """Refuse with ThrottledError (and log `throttled`) when `amount`
        more of `kind` would pass a limit of the last minute; with
        `record`, count them."""
        source = cls._source()
        if source is None:
            return
        user, network = source
        Configuration = Pool().get('egov.configuration')
        user_field, ip_field, message = LIMITS[kind]
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        with without_check_access():
            settings = Configuration.cached_values()
            user_limit = settings[user_field]
            ip_limit = settings[ip_field]
            if record:
                cls._clean(cursor)
            # A refused call raises: its transaction, and the row counted
            # with the sum, is rolled back.
            used, recorded = cls._used(kind, user, network,
                record=amount if record else None)
            over = None
            if used['user'] + amount > user_limit:
                over = ('user', user_limit)
            elif network and used['ip'] + amount > ip_limit:
                over = ('ip', ip_limit)
            if over:
                security_log.log_event('throttled', model=model,
                    record_id=record_id,
                    detail=f'{kind} limit={over[1]}/min per {over[0]}')
                raise ThrottledError(gettext(message, limit=over[1],
                        per=gettext('egov_app_request.msg_throttle_per_'
                            + over[0])))
            if record and not recorded:
                cursor.execute(*cls._insert(
                        table, kind, user, network, amount))

    @classmethod
    def _clean(cls, cursor):
        "Remove the rows older than KEEP, once every CLEAN_EVERY seconds"
        now = time.monotonic()
        last = cls._cleaned_cache.get('cleaned')
        if last is not None and now - last < CLEAN_EVERY:
            return
        table = cls.__table__()
        cursor.execute(*table.delete(
                where=table.create_date < dt.datetime.now() - KEEP))
        cls._cleaned_cache.set('cleaned', now)
