"Organizations (OPD) of Kota Tangerang and the positions of their officials."
import logging

from sql.conditionals import Coalesce

from trytond import backend
from trytond.cache import Cache
from trytond.exceptions import RateLimitException
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields, tree
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import security_policy
from .exceptions import WeakPasswordError
from .security_log import log_event


class OrganizationType(DeactivableMixin, ModelSQL, ModelView):
    "OPD type: Dinas, Badan, Kecamatan, UPT, Kelurahan…"
    __name__ = 'egov.opd.type'
    __string__ = "Organization Type"
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    may_submit = fields.Boolean(
        "May Submit",
        help="An organization of this type may submit requests itself "
        "(SOP warning 1). Others go through their parent organization.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_may_submit(cls):
        return True

    @classmethod
    def on_modification(cls, mode, types, field_names=None):
        super().on_modification(mode, types, field_names=field_names)
        Pool().get('egov.opd')._submitting_cache.clear()


class Organization(DeactivableMixin, tree(), ModelSQL, ModelView):
    "Organisasi Perangkat Daerah (OPD) or one of its units"
    __name__ = 'egov.opd'
    __string__ = "Organization (OPD)"
    name = fields.Char("Name", required=True)
    code = fields.Char("Code")
    type = fields.Many2One('egov.opd.type', "Type", required=True)
    parent = fields.Many2One(
        'egov.opd', "Parent",
        domain=[('id', '!=', Eval('id', -1))],
        help="The OPD a UPT or Kelurahan belongs to.")
    children = fields.One2Many('egov.opd', 'parent', "Units")
    may_submit = fields.Function(
        fields.Boolean("May Submit"), 'get_may_submit')
    # Whether each organization may submit, asked by every create of a
    # request: kept by the server processes until an organization or a
    # type is saved.
    _submitting_cache = Cache('egov.opd.submitting', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    def get_may_submit(self, name):
        return bool(self.type and self.type.may_submit)

    @classmethod
    def submitting(cls, ids):
        """{id: may submit} of the organizations `ids` (their type's
        may_submit), those not kept yet read in one query"""
        result, missing = {}, []
        for id_ in ids:
            may = cls._submitting_cache.get(id_)
            if may is None:
                missing.append(id_)
            else:
                result[id_] = may
        if missing:
            OrganizationType = Pool().get('egov.opd.type')
            table, type_ = cls.__table__(), OrganizationType.__table__()
            cursor = Transaction().connection.cursor()
            for sub_ids in grouped_slice(missing, backend.MAX_QUERY_PARAMS):
                cursor.execute(*table.join(type_, 'LEFT',
                        condition=table.type == type_.id
                        ).select(table.id,
                        Coalesce(type_.may_submit, False),
                        where=fields.SQL_OPERATORS['in'](table.id, sub_ids)))
                for id_, may in cursor:
                    result[id_] = bool(may)
                    cls._submitting_cache.set(id_, bool(may))
        return result

    @classmethod
    def on_modification(cls, mode, organizations, field_names=None):
        super().on_modification(
            mode, organizations, field_names=field_names)
        cls._submitting_cache.clear()

    @property
    def submitting_parent(self):
        "The nearest ancestor that may submit on behalf of this unit"
        parent = self.parent
        while parent and not parent.may_submit:
            parent = parent.parent
        return parent


class Position(DeactivableMixin, ModelSQL, ModelView):
    "Position (jabatan) of an official"
    __name__ = 'egov.position'
    __string__ = "Position"
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code")
    may_submit = fields.Boolean(
        "May Submit",
        help="Officials in this position may submit requests "
        "(SOP warning 2).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))


class User(metaclass=PoolMeta):
    __name__ = 'res.user'
    egov_opd = fields.Many2One(
        'egov.opd', "Organization (OPD)",
        help="The organization this user works for.")
    egov_position = fields.Many2One('egov.position', "Position")
    egov_nip = fields.Char("NIP", help="Nomor Induk Pegawai")
    # The record rules ask for the user's OPD at each check, a create for
    # its default: one column, not res.user's whole read.
    _egov_opd_cache = Cache('res_user.egov_opd', context=False)

    @classmethod
    def egov_opd_id(cls, user_id):
        """The id of the OPD of the user `user_id`, or None; kept by the
        server processes until a user's OPD changes (write, delete)"""
        opd_id = cls._egov_opd_cache.get(user_id, -1)
        if opd_id == -1:
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(table.egov_opd,
                    where=table.id == user_id))
            row = cursor.fetchone()
            opd_id = row[0] if row else None
            cls._egov_opd_cache.set(user_id, opd_id)
        return opd_id

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        if any('egov_opd' in values for _, values in zip(actions, actions)):
            cls._egov_opd_cache.clear()
        super().write(*args)

    @classmethod
    def delete(cls, users):
        cls._egov_opd_cache.clear()
        super().delete(users)

    @classmethod
    def validate_password(cls, password, users):
        """trytond's checks (length, its forbidden file: a password found
        in it, case as written), then the product's policy: not one of its
        forbidden passwords in any case, and enough different characters
        (security_policy.py)"""
        super().validate_password(password, users)
        if isinstance(password, bytes):
            password = password.decode('utf-8', 'replace')
        if security_policy.is_forbidden(password):
            raise WeakPasswordError(gettext('res.msg_password_forbidden'))
        if security_policy.entropy(password) < (
                security_policy.minimum_entropy()):
            raise WeakPasswordError(
                gettext('egov_app_request.msg_password_entropy'))

    @classmethod
    def get_login(cls, login, parameters):
        """Tryton's login (every path: JSON-RPC, the portal, basic
        authentication), with its outcome in the security log: the login
        and the client's address, never the password"""
        try:
            user_id = super().get_login(login, parameters)
        except RateLimitException:
            log_event('throttled', user=login, model='res.user',
                detail='login')
            raise
        if user_id:
            log_event('login_success', user=login, model='res.user',
                record_id=user_id, level=logging.INFO)
        else:
            log_event('login_failure', user=login, model='res.user')
        return user_id


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.domain.help += (
            '\n- "egov_opd" as the id of the OPD of the current user')

    @classmethod
    def _get_cache_key(cls, model_names):
        return (*super()._get_cache_key(model_names), _user_opd_id())

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        context['egov_opd'] = _user_opd_id()
        return context


def _user_opd_id():
    User = Pool().get('res.user')
    # -1 matches no organization: a user without OPD sees no request.
    return User.egov_opd_id(Transaction().user) or -1
