"""The SOP as data: its nine steps, the application categories that route
step 7, and the supporting document types.

The Dinas may change durations, groups and required documents here without
code; the states and moves of a request are code (request.py)."""
import zoneinfo

from trytond.cache import Cache
from trytond.model import (
    DeactivableMixin, ModelSingleton, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, Id
from trytond.transaction import Transaction, without_check_access

from .kept import forget_memo, transaction_memo
from .upload_check import ARCHIVE_ENTRIES, ARCHIVE_INFLATED_MB

# The request states that are SOP steps, in order: structure, not data.
STEP_STATES = [
    ('received', 1),
    ('completeness', 2),
    ('disposition', 3),
    ('feasibility', 4),
    ('feasibility_validation', 5),
    ('categorization', 6),
    ('technical', 7),
    ('technical_validation', 8),
    ('signing', 9),
    ]
STEP_NUMBERS = dict(STEP_STATES)
# Every state of a request, the steps among them.
STATES = [
    ('draft', "Draft"),
    ('received', "1. Receiving"),
    ('completeness', "2. Completeness Check"),
    ('incomplete', "Incomplete (with the OPD)"),
    ('disposition', "3. Disposition"),
    ('feasibility', "4. Feasibility Analysis"),
    ('feasibility_validation', "5. Feasibility Validation"),
    ('categorization', "6. Categorization"),
    ('technical', "7. Technical Analysis"),
    ('technical_validation', "8. Technical Validation"),
    ('signing', "9. Reply Letter Signing"),
    ('done', "Decided"),
    ]


# The kinds of field whose value is a record (or records), made from ids.
_RELATIONS = {'many2one', 'one2many', 'many2many', 'one2one', 'reference'}

# What by_state() keeps of each step besides its groups: the stored
# values that are not translated.
STEP_FIGURES = ['version', 'number', 'state', 'route_by_category',
    'duration', 'duration_unit']


class Step(ModelSQL, ModelView):
    "SOP step"
    __name__ = 'egov.step'
    __string__ = "SOP Step"
    version = fields.Many2One(
        'egov.sop.version', "SOP Version", required=True, readonly=True,
        ondelete='CASCADE',
        help="A request follows the steps of the version in force when it "
        "was submitted.")
    number = fields.Integer("Number", required=True, readonly=True)
    state = fields.Selection(
        [(s, n) for s, n in STATES if s in STEP_NUMBERS], "Request State",
        required=True,
        readonly=True, help="The request state this step is.")
    name = fields.Char("Activity", required=True, translate=True)
    groups = fields.Many2Many(
        'egov.step-res.group', 'step', 'group', "Responsible Groups",
        help="The roles that act on this step. "
        "Every one of them must act where the step needs several "
        "sign-offs (step 8).")
    route_by_category = fields.Boolean(
        "Routed by Category",
        help="The step goes to the team of the category set at step 6.")
    duration = fields.Integer(
        "Time Standard", required=True,
        domain=[('duration', '>', 0)])
    duration_unit = fields.Selection([
            ('minute', "Minutes"),
            ('day', "Working Days"),
            ], "Unit", required=True)
    inputs = fields.Text("Inputs", translate=True)
    output = fields.Char("Output", translate=True)
    note = fields.Text("Note", translate=True)
    time_standard = fields.Function(
        fields.Char("Time Standard"), 'get_time_standard')
    version_in_use = fields.Function(
        fields.Boolean("Version Has Requests",
            help="Requests follow the version of this step: it is kept as "
            "it is; a change is a new version of the SOP."),
        'get_version_in_use')
    # The groups of the buttons of a step, by (model, button name).
    _button_groups_cache = Cache('egov.step.button_groups', context=False)
    # The steps of a version by request state: {version id: {state: id}}.
    _by_state_cache = Cache('egov.step.by_state', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('number', 'ASC'))
        # The form of a step of a version that requests follow is read-only.
        for name in ['name', 'groups', 'route_by_category', 'duration',
                'duration_unit', 'inputs', 'output', 'note']:
            field = getattr(cls, name)
            field.states = {**field.states,
                'readonly': Eval('version_in_use', False)}
        table = cls.__table__()
        cls._sql_constraints += [
            ('version_state_unique', Unique(table, table.version, table.state),
                'egov_app_request.msg_step_version_state_unique'),
            ]

    def get_rec_name(self, name):
        return f'{self.number}. {self.name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('name',) + tuple(clause[1:])]

    @classmethod
    def get_version_in_use(cls, steps, name):
        Version = Pool().get('egov.sop.version')
        versions = Version.browse(list({s.version.id for s in steps}))
        in_use = Version.get_in_use(versions, ['in_use'])['in_use']
        return {s.id: in_use[s.version.id] for s in steps}

    def get_time_standard(self, name):
        unit = dict(self.fields_get(['duration_unit'])['duration_unit']
            ['selection'])[self.duration_unit]
        return f'{self.duration} {unit.lower()}'

    @classmethod
    def on_modification(cls, mode, steps, field_names=None):
        super().on_modification(mode, steps, field_names=field_names)
        # Who may press a step's buttons follows the step's groups
        # (ModelButton.get_groups below), in every server process: a
        # trytond Cache is cleared for all of them at commit.
        cls._button_groups_cache.clear()
        cls.forget_by_state()
        # ...and so does which buttons a form shows active: the cached form
        # marks a button readonly for the groups that may not press it.
        # Why private: trytond has no public call to invalidate its views;
        # its own ir.ui.view, ir.model.access and ir.model.field.access
        # clear this cache the same way when they change. (trytond 8.0.12
        # does not cache the request's form, whose sub-views it cannot
        # copy, but caches every form and list without them.) Without it,
        # test_platform.py test_step_groups_refresh_the_form fails.
        ModelView._fields_view_get_cache.clear()

    @classmethod
    def check_modification(cls, mode, steps, values=None, external=False):
        "The steps of a version that requests follow are not changed"
        super().check_modification(
            mode, steps, values=values, external=external)
        if mode in {'write', 'delete'}:
            Pool().get('egov.sop.version').check_not_in_use(
                list({s.version for s in steps}))

    @classmethod
    def by_state(cls, version=None):
        """Map request state to its step record in `version` (a request's
        sop_version); default: the version in force now"""
        if version is None:
            version = Pool().get('egov.sop.version').in_force_at()
            if version is None:
                return {}
        # The steps as built below, kept for the transaction and its
        # context (the records read their fields in it, the language of
        # their names): a press asks for them about seven times (who may
        # press, the history, the responsible, the notices).
        transaction = Transaction()
        kept = transaction_memo('egov.step.by_state').setdefault('steps', [])
        # The steps are read without access check (the procedure's data,
        # as from the trytond Cache below), whatever the caller's.
        context = {k: v for k, v in transaction.context.items()
            if k != '_check_access'}
        for version_id, kept_context, steps in kept:
            if version_id == version.id and kept_context == context:
                return dict(steps)
        cached = cls._by_state_cache.get(version.id)
        if cached is None:
            # Searched once per version until a step or its groups change
            # (in any server process), not once per request of a list; the
            # groups and the figures of the steps with them: every check of
            # who may press a button, every notice and history row asks for
            # them, and every save empties the record cache, so that
            # `step.groups` was read again at each use.
            with without_check_access():
                ids = {s.state: s.id for s in cls.search([
                            ('version', '=', version.id)])}
                groups = cls.groups.get(list(ids.values()), cls, 'groups')
                values = {v['id']: v for v in cls.read(
                        list(ids.values()), STEP_FIGURES)}
            cached = {state: (id_, groups[id_],
                    {n: values[id_][n] for n in STEP_FIGURES})
                for state, id_ in ids.items()}
            cls._by_state_cache.set(version.id, cached)
        Group = Pool().get('res.group')
        with without_check_access():
            # The figures as kept; the translated texts (the name) are read
            # in the caller's language when asked for, for all the steps at
            # once (browsed together).
            steps = cls.browse([id_ for id_, _, _ in cached.values()])
            kept_values = {id_: (group_ids, figures)
                for id_, group_ids, figures in cached.values()}
            for step in steps:
                group_ids, figures = kept_values[step.id]
                step.groups = Group.browse(group_ids)
                for name, value in figures.items():
                    setattr(step, name, value)
            steps = {s.state: s for s in steps}
        kept.append((version.id, context, steps))
        return dict(steps)

    @classmethod
    def forget_by_state(cls):
        "A step, its groups or a version changed: by_state() reads again"
        cls._by_state_cache.clear()
        forget_memo('egov.step.by_state')


class StepGroup(ModelSQL):
    "SOP step - group"
    __name__ = 'egov.step-res.group'
    __string__ = "SOP Step - Group"
    step = fields.Many2One(
        'egov.step', "Step", required=True, ondelete='CASCADE')
    group = fields.Many2One(
        'res.group', "Group", required=True, ondelete='CASCADE')

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        "The roles of a version that requests follow are not changed"
        super().check_modification(
            mode, records, values=values, external=external)
        Pool().get('egov.sop.version').check_not_in_use(
            list({r.step.version for r in records}))

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        # Step.by_state keeps the groups of the steps.
        Pool().get('egov.step').forget_by_state()


class Category(DeactivableMixin, ModelSQL, ModelView):
    "Application category (step 6)"
    __name__ = 'egov.category'
    __string__ = "Application Category"
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    team_group = fields.Many2One(
        'res.group', "Team", required=True,
        help="The team lead group that makes the technical analysis "
        "(step 7) of requests in this category.")


class DocumentType(DeactivableMixin, ModelSQL, ModelView):
    "Supporting document type"
    __name__ = 'egov.document.type'
    __string__ = "Document Type"
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    sequence = fields.Integer("Sequence")
    required_new = fields.Boolean(
        "Required for New Applications",
        help="Required when the request is to build a new application "
        "(pembangunan).")
    required_development = fields.Boolean(
        "Required for Development",
        help="Required when the request is to develop an existing "
        "application (pengembangan).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('sequence', 'ASC NULLS FIRST'))

    def is_required(self, kind):
        return {
            'new': self.required_new,
            'development': self.required_development,
            }.get(kind, False)


class Configuration(ModelSingleton, ModelSQL, ModelView):
    "e-Government request configuration"
    __name__ = 'egov.configuration'
    __string__ = "e-Government Configuration"
    # The stored values, for cached(): kept until the configuration is
    # saved.
    _values_cache = Cache('egov.configuration.values', context=False)
    request_sequence = fields.Many2One(
        'ir.sequence.strict', "Request Number Sequence", required=True,
        domain=[
            ('sequence_type', '=',
                Id('egov_app_request', 'sequence_type_request')),
            ])
    max_upload_size = fields.Integer(
        "Maximum Upload Size (MB)", required=True,
        domain=[('max_upload_size', '>', 0)])
    # --- Upload quotas and throttling (upload_check.py,
    # throttle.py) ---------------------------------------------------------
    max_request_documents = fields.Integer(
        "Maximum Documents per Request", required=True,
        domain=[('max_request_documents', '>', 0)])
    max_request_upload_size = fields.Integer(
        "Maximum Total Size per Request (MB)", required=True,
        domain=[('max_request_upload_size', '>', 0)])
    max_daily_upload_size = fields.Integer(
        "Maximum Uploads per OPD per Day (MB)", required=True,
        domain=[('max_daily_upload_size', '>', 0)],
        help="The total size of the documents an OPD uploads in a "
        "calendar day (time zone of the configuration).")
    max_archive_entries = fields.Integer(
        "Maximum Entries of an Archive", required=True,
        domain=[('max_archive_entries', '>', 0)],
        help="ODT, ODS, DOCX and XLSX files are ZIP archives: the most "
        "files one may hold.")
    max_archive_inflated_size = fields.Integer(
        "Maximum Inflated Size of an Archive (MB)", required=True,
        domain=[('max_archive_inflated_size', '>', 0)],
        help="An ODT, ODS, DOCX or XLSX file is refused as soon as its "
        "content inflates beyond this size (compression bomb).")
    throttle_requests_user = fields.Integer(
        "Requests Created per Minute per Account", required=True,
        domain=[('throttle_requests_user', '>', 0)])
    throttle_requests_ip = fields.Integer(
        "Requests Created per Minute per IP Address", required=True,
        domain=[('throttle_requests_ip', '>', 0)])
    throttle_uploads_user = fields.Integer(
        "Documents Uploaded per Minute per Account", required=True,
        domain=[('throttle_uploads_user', '>', 0)])
    throttle_uploads_ip = fields.Integer(
        "Documents Uploaded per Minute per IP Address", required=True,
        domain=[('throttle_uploads_ip', '>', 0)])

    timezone = fields.Selection(
        'get_timezones', "Time Zone", required=True,
        help="The time zone of the Dinas's working hours.")
    day_rule = fields.Selection([
            ('minutes', "A Full Working Day of Minutes"),
            ('next_day_end', "End of the Next Working Day"),
            ], "How a Day Counts", required=True,
        help="How a time standard in days (\"1 hari\") is counted.")
    day_minutes = fields.Integer(
        "Minutes of a Working Day", required=True,
        domain=[('day_minutes', '>', 0)],
        help="37.5 hours a week over five days: 450 minutes.")
    warning_percent = fields.Integer(
        "Nearly Late at (%)", required=True,
        domain=[('warning_percent', '>', 0), ('warning_percent', '<', 100)],
        help="A step is nearly late once this share of its standard is "
        "used.")

    # --- Letters (letter.py) -------------------------------------------
    letterhead_government = fields.Char(
        "Letterhead: Government", required=True,
        help="First line of the letterhead (kop surat).")
    letterhead_office = fields.Char(
        "Letterhead: Office", required=True,
        help="Second line of the letterhead: the Dinas.")
    letterhead_address = fields.Text(
        "Letterhead: Address",
        help="Address, telephone, web site and e-mail under the name.")
    letterhead_logo = fields.Text(
        "Letterhead: Emblem (SVG)",
        help="The emblem of the city as SVG markup, printed on the left of "
        "the letterhead. Empty: the letterhead is text only.")
    letter_city = fields.Char(
        "Place of Letters", required=True,
        help="The place printed before the date of a letter.")
    head_position = fields.Char(
        "Position of the Head", required=True,
        help="Printed above the signature of the Kepala Dinas.")
    letter_classification = fields.Char(
        "Classification Code", required=True,
        help="Archive classification code of the reply letters.")
    letter_unit = fields.Char(
        "Unit Code", required=True,
        help="The unit that issues the letters, in the letter number.")
    letter_pattern = fields.Char(
        "Letter Number Pattern", required=True,
        help="With {classification}, {sequence}, {unit} and {year}; "
        "the sequence is a strict sequence per year.")

    @classmethod
    def default_letterhead_government(cls):
        return "PEMERINTAH KOTA TANGERANG"

    @classmethod
    def default_letterhead_office(cls):
        return "DINAS KOMUNIKASI DAN INFORMATIKA"

    @classmethod
    def default_letterhead_address(cls):
        return ("Gedung Pusat Pemerintahan Kota Tangerang Lt. 4, "
            "Jl. Satria Sudirman No. 1, Tangerang, Banten 15111\n"
            "Telepon (021) 55764955 · Laman diskominfo.tangerangkota.go.id "
            "· Pos-el diskominfo@tangerangkota.go.id")

    @classmethod
    def default_letter_city(cls):
        return "Tangerang"

    @classmethod
    def default_head_position(cls):
        return "Kepala Dinas Komunikasi dan Informatika Kota Tangerang"

    @classmethod
    def default_letter_classification(cls):
        return "000.5.2"

    @classmethod
    def default_letter_unit(cls):
        return "Diskominfo"

    @classmethod
    def default_letter_pattern(cls):
        return "{classification}/{sequence}/{unit}/{year}"
    # --- end of letters ---------------------------------------------------

    @classmethod
    def get_timezones(cls):
        return [(z, z) for z in sorted(zoneinfo.available_timezones())]

    @classmethod
    def default_timezone(cls):
        return 'Asia/Jakarta'

    @classmethod
    def default_day_rule(cls):
        return 'minutes'

    @classmethod
    def default_day_minutes(cls):
        return 450

    @classmethod
    def default_warning_percent(cls):
        return 80

    @classmethod
    def cached(cls):
        """The configuration, for reading only: its stored values kept by
        each server process until the configuration is saved, the record
        built once per transaction.

        `Configuration(1)` looks up the singleton and reads its row again
        at each use once anything was saved in the transaction (every save
        empties trytond's record cache): about six times in one step
        transition, and two statements in every create (the throttle's
        limits). The other server processes drop their values when the
        configuration is saved, as trytond's own caches: at once with
        `[cache] clean_timeout = 0` (etc/trytond.conf.example, PostgreSQL's
        channel), which several processes require. Function fields are
        read as by `Configuration(1)`."""
        memo = transaction_memo('egov.configuration.cached')
        record = memo.get('record')
        if record is None:
            # The record itself is kept: a press asks for it about eight
            # times (the time zone of each date computed).
            record = memo['record'] = cls._kept_record(cls.cached_values())
        return record

    @classmethod
    def cached_values(cls):
        """The stored values of the configuration as cached() holds them,
        {name: value} (ids for the relations), without building its record:
        for a call that reads a setting or two (the throttle's limits)"""
        values = cls._values_cache.get(None)
        if values is None:
            names = [n for n, f in cls._fields.items()
                if n != 'id' and not isinstance(f, fields.Function)]
            values = cls._read_values(names)
            cls._values_cache.set(None, values)
            # As kept: what the cache gives back (immutable values).
            values = cls._values_cache.get(None, values)
        return values

    @classmethod
    def _kept_record(cls, values):
        """The configuration record holding `values` as its own: read from
        them, not from the database, whatever the transaction saves. The
        plain values are set as they were read (setting each through its
        field, as cls(1, **values) does, cost as much as a statement); the
        relations through their fields, which make records of ids."""
        record = cls(1)
        record._values = record._record()
        for name, value in values.items():
            if cls._fields[name]._type in _RELATIONS:
                setattr(record, name, value)
            else:
                setattr(record._values, name, value)
        return record

    @classmethod
    def _read_values(cls, names):
        "The stored values `names` of the configuration: {name: value}"
        with without_check_access():
            # As ModelSingleton.read, with its row looked up once: it
            # looks again for the defaults when there is none.
            singleton = cls.get_singleton()
            if singleton:
                values, = super(ModelSingleton, cls).read(
                    [singleton.id], names)
            else:
                values = super(ModelSingleton, cls).default_get(
                    names, with_rec_name=False)
            return {n: values.get(n) for n in names}

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        pool = Pool()
        History = pool.get('egov.request.history')
        forget_memo('egov.configuration.cached')
        cls._values_cache.clear()
        super().on_modification(mode, records, field_names=field_names)
        if mode == 'write' and {'timezone', 'day_rule', 'day_minutes'} & set(
                field_names or []):
            History.recompute_open_deadlines()

    @classmethod
    def default_request_sequence(cls):
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id('egov_app_request', 'sequence_request')
        except KeyError:
            return None

    @classmethod
    def default_max_upload_size(cls):
        return 10

    @classmethod
    def default_max_request_documents(cls):
        return 20

    @classmethod
    def default_max_request_upload_size(cls):
        return 25

    @classmethod
    def default_max_daily_upload_size(cls):
        return 200

    @classmethod
    def default_max_archive_entries(cls):
        return ARCHIVE_ENTRIES

    @classmethod
    def default_max_archive_inflated_size(cls):
        return ARCHIVE_INFLATED_MB

    @classmethod
    def default_throttle_requests_user(cls):
        return 5

    @classmethod
    def default_throttle_requests_ip(cls):
        return 20

    @classmethod
    def default_throttle_uploads_user(cls):
        return 20

    @classmethod
    def default_throttle_uploads_ip(cls):
        return 60


class ModelButton(metaclass=PoolMeta):
    __name__ = 'ir.model.button'

    @classmethod
    def get_groups(cls, model, name):
        """The groups of a step button are the groups of its step (each
        step_*.py declares its buttons): change the step, the buttons
        follow"""
        if model == 'egov.request':
            state = Pool().get(model)._button_steps.get(name)
            if state:
                Step = Pool().get('egov.step')
                key = (model, name)
                groups = Step._button_groups_cache.get(key)
                if groups is None:
                    steps = Step.search([('state', '=', state)])
                    groups = Step._button_groups_cache.set(
                        key, {g.id for s in steps for g in s.groups})
                return groups
        return super().get_groups(model, name)


class Group(metaclass=PoolMeta):
    __name__ = 'res.group'
    egov_head_group = fields.Many2One(
        'res.group', "Head",
        help="The role that is told when a step of this role is late: "
        "the Kepala Bidang above a team lead, the Kepala Dinas above a "
        "Kepala Bidang.")

    @classmethod
    def on_modification(cls, mode, groups, field_names=None):
        super().on_modification(mode, groups, field_names=field_names)
        if mode == 'delete':
            # Its steps lose it (ON DELETE CASCADE): Step.by_state keeps
            # the groups of the steps.
            Pool().get('egov.step').forget_by_state()
