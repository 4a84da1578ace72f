"""Katalog Aplikasi: the city's applications and the national Aplikasi
Umum (SPBE), read by the duplicate check of the feasibility step."""
from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction, without_check_access

from . import similarity, vocabulary

# The fields of the score, as the analyst reads them (similarity.FIELDS).
FIELD_LABELS = [
    ('name', 'egov_app_request.msg_duplicate_field_name'),
    ('purpose', 'egov_app_request.msg_duplicate_field_purpose'),
    ('users', 'egov_app_request.msg_duplicate_field_users'),
    ('io', 'egov_app_request.msg_duplicate_field_io'),
    ]


class Application(DeactivableMixin, ModelSQL, ModelView):
    "An application of the city, or a national Aplikasi Umum"
    __name__ = 'egov.application'
    __string__ = "Application"
    name = fields.Char("Name", required=True)
    opd = fields.Many2One(
        'egov.opd', "Owner OPD",
        states={
            'required': ~Eval('national', False),
            },
        help="The organization that owns the application. A national "
        "Aplikasi Umum has none in the city.")
    category = fields.Selection([
            ('public', "Public Service"),
            ('management', "Government Management"),
            ], "Category", required=True,
        help="Layanan publik or manajemen pemerintahan (SPBE).")
    spbe_class = fields.Selection([
            ('general', "General Application (Aplikasi Umum)"),
            ('specific', "Specific Application (Aplikasi Khusus)"),
            ], "SPBE Class", required=True)
    status = fields.Selection([
            ('planned', "Planned"),
            ('development', "In Development"),
            ('live', "Live"),
            ('retired', "Retired"),
            ], "Status", required=True)
    url = fields.Char("URL")
    hosting = fields.Selection([
            ('pusat_data', "City Data Center (Pusat Data Pemkot)"),
            ('pdn', "National Data Center (PDN)"),
            ('other', "Other"),
            ], "Hosting", required=True)
    data_owner = fields.Char(
        "Data Owner", help="Who is responsible for the application's data "
        "(walidata or producer of the data).")
    purpose = fields.Text("Purpose")
    users = fields.Text("Users Served")
    inputs = fields.Text("Main Inputs")
    outputs = fields.Text("Main Outputs")
    national = fields.Boolean(
        "National Aplikasi Umum",
        help="An application named by a national decree as Aplikasi Umum, "
        "to be used by every government body.")
    decree = fields.Char(
        "Decree",
        states={
            'required': Bool(Eval('national')),
            'invisible': ~Eval('national', False),
            },
        help="The decree that names the national Aplikasi Umum.")

    category_string = category.translated('category')
    spbe_class_string = spbe_class.translated('spbe_class')
    status_string = status.translated('status')
    hosting_string = hosting.translated('hosting')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_status(cls):
        return 'live'

    @classmethod
    def default_hosting(cls):
        return 'pusat_data'

    @classmethod
    def default_spbe_class(cls):
        return 'specific'

    @classmethod
    def default_national(cls):
        return False


class RequestDuplicate(ModelSQL, ModelView):
    """An application of the catalog like a request for a new application:
    listed when the feasibility step starts (step 4), for the analyst's
    "Aplikasi Umum first" answer"""
    __name__ = 'egov.request.duplicate'
    __string__ = "Similar Application"
    request = fields.Many2One(
        'egov.request', "Request", required=True, readonly=True,
        ondelete='CASCADE')
    sequence = fields.Integer("Rank", readonly=True)
    application = fields.Many2One(
        'egov.application', "Application", required=True, readonly=True,
        ondelete='CASCADE')
    score = fields.Float("Score", digits=(3, 1), readonly=True,
        help="0 to 100: how much of the request's name, purpose, users and "
        "inputs/outputs the application shares, rare words weighing more.")
    matched = fields.Text("Matched Words", readonly=True)
    national = fields.Function(
        fields.Boolean("National Aplikasi Umum"), 'get_application_field')
    opd = fields.Function(
        fields.Many2One('egov.opd', "Owner OPD"), 'get_application_field')
    status = fields.Function(
        fields.Char("Status"), 'get_application_field')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Internal to Diskominfo: the access records decide alone, the
        # OPD's read access to the request gives none here.
        cls.__access__.discard('request')
        cls._order = [('request', 'ASC'), ('sequence', 'ASC'), ('id', 'ASC')]

    def get_application_field(self, name):
        if name == 'status':
            return self.application.status_string
        value = getattr(self.application, name)
        return value.id if hasattr(value, 'id') else value

    @classmethod
    def fill(cls, requests, limit=10):
        """List for each request the `limit` applications of the catalog
        most like it (the procedure writes them, without access check)"""
        pool = Pool()
        Application = pool.get('egov.application')
        # Stored once, read on the feasibility sheet (an Indonesian
        # document) and by every analyst: in Indonesian, whoever started
        # the step.
        with Transaction().set_context(language=vocabulary.LANGUAGE):
            labels = {f: gettext(m) for f, m in FIELD_LABELS}
        with without_check_access():
            applications = Application.search([])
            candidates = [(a.id, similarity.application_fields(
                        a.name, a.purpose, a.users, a.inputs, a.outputs))
                for a in applications]
            to_create = []
            for request in requests:
                found = similarity.rank(similarity.request_fields(
                        request.title, request.description,
                        request.user_requirements, request.app_inputs,
                        request.app_outputs), candidates, limit=limit)
                for sequence, (app_id, score, words) in enumerate(found, 1):
                    to_create.append({
                            'request': request.id,
                            'sequence': sequence,
                            'application': app_id,
                            'score': score,
                            'matched': '; '.join(
                                f"{labels[f]}: {', '.join(w)}"
                                for f, w in words.items()),
                            })
            if to_create:
                cls.create(to_create)
