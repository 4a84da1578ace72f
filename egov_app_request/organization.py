"Organizations (OPD) of Kota Tangerang and the positions of their officials."
import logging

from trytond.exceptions import RateLimitException
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields, tree
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

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

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    def get_may_submit(self, name):
        return bool(self.type and self.type.may_submit)

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
    # Read without access check: the rule itself is being computed.
    with without_check_access():
        user = User(Transaction().user)
        # -1 matches no organization: a user without OPD sees no request.
        return user.egov_opd.id if user.egov_opd else -1
