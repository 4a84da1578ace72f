"""Katalog Aplikasi: the city's applications and the national Aplikasi
Umum (SPBE), read by the duplicate check of the feasibility step."""
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.pyson import Bool, Eval


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
