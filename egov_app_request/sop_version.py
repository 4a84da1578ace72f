"""The versions of the SOP document: each step definition (egov.step,
sop.py) belongs to a version.

A request keeps the version in force when it was submitted (its
`sop_version`, set by submit): its steps, roles and time standards come from
that version until it is decided. A new version is a copy of the current
one, edited and given an effective date; it applies to the requests
submitted from that date. A version with requests is not edited in place,
so that no running request changes under its users."""
import datetime as dt

from sql import Null
from sql.aggregate import Count

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateView, Wizard

from . import clock
from .exceptions import SopVersionInForceError, SopVersionInUseError
from .workcalendar import to_local

# The first version, as data/sop_data.xml ships it.
FIRST_VERSION_ID = 'sop_version_1'
FIRST_VERSION_NAME = "Versi 1 (SOP 4 November 2024)"
# What a version with requests may still change: remarks only.
UNLOCKED_FIELDS = {'notes'}
# What the form of a version with requests shows read-only.
_LOCKED = {'readonly': Eval('in_use', False)}
# The fields of a step that the comparison of two versions lists.
COMPARED_STEP_FIELDS = [
    'name', 'groups', 'route_by_category', 'time_standard', 'inputs',
    'output', 'note']


class SopVersion(ModelSQL, ModelView):
    "SOP version"
    __name__ = 'egov.sop.version'
    __string__ = "SOP Version"
    number = fields.Integer("Number", required=True, readonly=True)
    name = fields.Char("Name", required=True, states=_LOCKED)
    revision_date = fields.Date(
        "Revision Date", states=_LOCKED,
        help="The revision date of the SOP document; empty while the "
        "document leaves it blank.")
    effective_date = fields.Date(
        "Effective Date", states=_LOCKED,
        help="Requests submitted from this day (time zone of the "
        "configuration) follow this version. Empty on the first version: "
        "in force from the start; empty on a later one: a draft, in force "
        "for no request.")
    notes = fields.Text("Notes")
    steps = fields.One2Many(
        'egov.step', 'version', "Steps", states=_LOCKED)
    in_use = fields.Function(
        fields.Boolean("Has Requests",
            help="Requests follow this version: it is no longer edited; "
            "a change is a new version."),
        'get_in_use')
    request_count = fields.Function(
        fields.Integer("Requests"), 'get_in_use')
    in_force = fields.Function(
        fields.Boolean("In Force Today",
            help="The version a request submitted now follows."),
        'get_in_force')
    # (id, number, effective date as ISO text) of every version.
    _versions_cache = Cache('egov.sop.version.dates', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('number', 'DESC'))
        table = cls.__table__()
        cls._sql_constraints += [
            ('number_unique', Unique(table, table.number),
                'egov_app_request.msg_sop_version_number_unique'),
            ]
        cls._buttons.update({
                'new_version': {},
                })

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        cls._adopt_unversioned(module)

    @classmethod
    def _adopt_unversioned(cls, module):
        """A database made before the versions: its steps and its submitted
        requests follow version 1, made here and registered as the record
        of the data file (noupdate: the update then leaves it alone).
        Registered after egov.request (tryton.cfg), so that its table has
        the request's version column."""
        pool = Pool()
        Step = pool.get('egov.step')
        Request = pool.get('egov.request')
        ModelData = pool.get('ir.model.data')
        cursor = Transaction().connection.cursor()
        step = Step.__table__()
        cursor.execute(*step.select(
                step.id, where=step.version == Null, limit=1))
        if not cursor.fetchone():
            return
        with without_check_access():
            data = ModelData.search([
                    ('module', '=', module), ('fs_id', '=', FIRST_VERSION_ID),
                    ], limit=1)
            if data:
                version = cls(data[0].db_id)
            else:
                version, = cls.create([{
                            'number': 1, 'name': FIRST_VERSION_NAME}])
                ModelData.create([{
                            'module': module, 'fs_id': FIRST_VERSION_ID,
                            'model': cls.__name__, 'db_id': version.id,
                            'noupdate': True,
                            }])
        cursor.execute(*step.update(
                [step.version], [version.id], where=step.version == Null))
        request = Request.__table__()
        cursor.execute(*request.update(
                [request.sop_version], [version.id],
                where=(request.sop_version == Null)
                & (request.submitted_at != Null)))

    def get_rec_name(self, name):
        return self.name

    @classmethod
    def get_in_use(cls, versions, names):
        Request = Pool().get('egov.request')
        request = Request.__table__()
        cursor = Transaction().connection.cursor()
        counts = {v.id: 0 for v in versions}
        # Counted in SQL: every request of the city, whoever asks.
        cursor.execute(*request.select(
                request.sop_version, Count(request.id),
                where=request.sop_version.in_(list(counts)),
                group_by=[request.sop_version]))
        counts.update(dict(cursor))
        result = {}
        if 'in_use' in names:
            result['in_use'] = {i: bool(c) for i, c in counts.items()}
        if 'request_count' in names:
            result['request_count'] = counts
        return result

    @classmethod
    def get_in_force(cls, versions, name):
        current = cls.in_force_at()
        return {v.id: current is not None and v.id == current.id
            for v in versions}

    @classmethod
    def _dated_versions(cls):
        rows = cls._versions_cache.get(None)
        if rows is None:
            with without_check_access():
                rows = [(v.id, v.number,
                        v.effective_date.isoformat()
                        if v.effective_date else None)
                    for v in cls.search([])]
            cls._versions_cache.set(None, rows)
        return rows

    @classmethod
    def in_force_at(cls, moment=None):
        """The version a request submitted at `moment` (UTC, default now)
        follows: the latest effective date on or before its day, else the
        first version (whose dates the SOP document leaves blank)"""
        rows = cls._dated_versions()
        if not rows:
            return None
        day = to_local(moment or clock.now()).date()
        dated = [(dt.date.fromisoformat(d), n, i) for i, n, d in rows
            if d and dt.date.fromisoformat(d) <= day]
        if dated:
            return cls(max(dated)[2])
        return cls(min((n, i) for i, n, _ in rows)[1])

    @classmethod
    def on_modification(cls, mode, versions, field_names=None):
        super().on_modification(mode, versions, field_names=field_names)
        cls._versions_cache.clear()
        Pool().get('egov.step').forget_by_state()

    @classmethod
    def check_modification(cls, mode, versions, values=None, external=False):
        super().check_modification(
            mode, versions, values=values, external=external)
        if mode == 'delete' or (mode == 'write'
                and set(values or {}) - UNLOCKED_FIELDS):
            cls.check_not_in_use(versions)
        if mode == 'delete':
            cls.check_not_in_force(versions)

    @classmethod
    def check_not_in_use(cls, versions):
        "Refuse to change a version that requests follow"
        for version in cls.browse(versions):
            if version.in_use:
                raise SopVersionInUseError(gettext(
                        'egov_app_request.msg_sop_version_in_use',
                        version=version.rec_name,
                        count=version.request_count))

    @classmethod
    def check_not_in_force(cls, versions):
        """Refuse to delete the version in force today: new requests would
        follow another one, or none when it is the only version"""
        current = cls.in_force_at()
        for version in versions:
            if current is not None and version.id == current.id:
                raise SopVersionInForceError(gettext(
                        'egov_app_request.msg_sop_version_in_force',
                        version=version.rec_name))

    @classmethod
    def copy(cls, versions, default=None):
        default = default.copy() if default is not None else {}
        for name in ['revision_date', 'effective_date', 'notes']:
            default.setdefault(name, None)
        return super().copy(versions, default=default)

    @classmethod
    @ModelView.button
    def new_version(cls, versions):
        """Buat Versi Baru: a copy of the version, its steps and their roles,
        without dates; the administrator edits it and sets its effective
        date. Opens the new version."""
        pool = Pool()
        Action = pool.get('ir.action')
        ModelData = pool.get('ir.model.data')
        if not versions:
            return
        with without_check_access():
            number = max(v.number for v in cls.search([]))
            # No group creates steps but through a version's copy.
            for version in versions:
                number += 1
                new, = cls.copy([version], default={
                        'number': number,
                        'name': gettext(
                            'egov_app_request.msg_sop_version_name',
                            number=number),
                        })
        action = Action.get_action_values('ir.action.act_window', [
                ModelData.get_id('egov_app_request', 'act_sop_version')])[0]
        action['res_id'] = [new.id]
        action['views'] = list(reversed(action['views']))
        return action

    @classmethod
    def differences(cls, old, new):
        """What changed from version `old` to version `new`, one line per
        change, in the user's language"""
        pool = Pool()
        Step = pool.get('egov.step')
        labels = Step.fields_get(COMPARED_STEP_FIELDS + ['state'])
        states = dict(labels['state']['selection'])
        version_labels = cls.fields_get(['revision_date', 'effective_date'])
        lines = []
        lang = pool.get('ir.lang').get()

        def show(value):
            if value is None or value == '':
                return gettext('egov_app_request.msg_sop_version_empty')
            if isinstance(value, bool):
                return gettext('egov_app_request.msg_sop_version_yes'
                    if value else 'egov_app_request.msg_sop_version_no')
            if isinstance(value, dt.date):
                return lang.strftime(value)
            return str(value)

        for name in ['revision_date', 'effective_date']:
            before, after = getattr(old, name), getattr(new, name)
            if before != after:
                lines.append(gettext(
                        'egov_app_request.msg_sop_version_change',
                        step=new.rec_name,
                        field=version_labels[name]['string'],
                        old=show(before), new=show(after)))
        old_steps = Step.by_state(old)
        new_steps = Step.by_state(new)
        for state in sorted(set(old_steps) | set(new_steps),
                key=lambda s: (new_steps.get(s) or old_steps.get(s)).number):
            before, after = old_steps.get(state), new_steps.get(state)
            # The state's label carries the step's number.
            step = states.get(state, state)
            for name in COMPARED_STEP_FIELDS:
                values = []
                for record in (before, after):
                    value = getattr(record, name) if record else None
                    if name == 'groups':
                        value = ', '.join(sorted(
                                g.rec_name for g in value or []))
                    values.append(value)
                if values[0] != values[1]:
                    lines.append(gettext(
                            'egov_app_request.msg_sop_version_change',
                            step=step, field=labels[name]['string'],
                            old=show(values[0]), new=show(values[1])))
        return lines


class SopVersionCompareStart(ModelView):
    "Compare SOP versions"
    __name__ = 'egov.sop.version.compare.start'
    __string__ = "Compare SOP Versions"
    old = fields.Many2One('egov.sop.version', "From Version", required=True)
    new = fields.Many2One('egov.sop.version', "To Version", required=True)


class SopVersionCompareResult(ModelView):
    "Changes between SOP versions"
    __name__ = 'egov.sop.version.compare.result'
    __string__ = "Changes between SOP Versions"
    changes = fields.Text("Changes", readonly=True)


class SopVersionCompare(Wizard):
    "Compare SOP versions"
    __name__ = 'egov.sop.version.compare'
    start = StateView('egov.sop.version.compare.start',
        'egov_app_request.sop_version_compare_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Compare", 'result', 'tryton-ok', default=True),
            ])
    result = StateView('egov.sop.version.compare.result',
        'egov_app_request.sop_version_compare_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        "The selected version against the one before it"
        Version = Pool().get('egov.sop.version')
        context = Transaction().context
        values = {}
        if context.get('active_model') == Version.__name__ and (
                context.get('active_id')):
            new = Version(context['active_id'])
            values['new'] = new.id
            before = Version.search([('number', '<', new.number)],
                order=[('number', 'DESC')], limit=1)
            if before:
                values['old'] = before[0].id
        return values

    def default_result(self, fields):
        Version = Pool().get('egov.sop.version')
        lines = Version.differences(self.start.old, self.start.new)
        if not lines:
            lines = [gettext('egov_app_request.msg_sop_version_no_change',
                    old=self.start.old.rec_name,
                    new=self.start.new.rec_name)]
        return {'changes': '\n'.join(lines)}
