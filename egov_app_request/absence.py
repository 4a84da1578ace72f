"""Absences of officials and their substitutes (Plh. / Plt.), after Surat
Edaran Kepala BKN Nomor 1/SE/I/2021.

An official on leave (cuti) or official travel (dinas luar) names a
substitute for the period: a Pelaksana Harian (Plh.) while the official is
temporarily away, a Pelaksana Tugas (Plt.) when the position is vacant. The
substitute holds a position of the same level or one level below.

While a confirmed absence runs (computed from its dates, no job): the
substitute holds the official's SOP roles (res.user.get_groups), so the
official's queue, step buttons, notices and deadline escalations are the
substitute's; the official's queue is empty; the audit trail and the reply
letter and every internal sheet name the substitute with the designation
and the official acted for. Nobody acts by substitution on a request of
their own, nor validates an analysis they wrote.

The absent official does not act beside the substitute: the step buttons
refuse them, with the name of the substitute who holds the queue and the
way back, "Return Early" on the absence, which ends it today."""
import datetime as dt

from sql import Literal

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from . import clock
from .exceptions import (
    AbsenceOfficialError, AbsencePeriodError, OfficialAbsentError,
    OwnRequestSubstitutionError, SubstituteRankError)
from .formatting import format_date_id
from .kept import forget_memo, transaction_memo
from .letter import group_position
from .workcalendar import to_local

# The SOP roles an official hands to the substitute (the administration
# groups stay with their holder).
ROLE_GROUPS = [
    'group_kadis', 'group_kabid_egov', 'group_kabid_sarpras',
    'group_katim_tatakelola', 'group_katim_publik', 'group_katim_manajemen',
    ]
# The steps that validate the analysis of another step: a substitute does
# not validate an analysis they wrote.
VALIDATES = {
    'feasibility_validation': 'feasibility',
    'technical_validation': 'technical',
    }
DESIGNATIONS = {'plh': "Plh.", 'plt': "Plt."}
# Context key: the groups of the user without those held by substitution.
OWN_GROUPS = 'egov_own_groups'


def today():
    "The Dinas's date now"
    # Read with the user's own groups: res.user.get_groups asks for it.
    with Transaction().set_context(**{OWN_GROUPS: True}):
        return to_local(clock.now()).date()


def role_group_ids():
    ModelData = Pool().get('ir.model.data')
    return {ModelData.get_id('egov_app_request', g) for g in ROLE_GROUPS}


def own_groups():
    "The groups of the current user, without those held by substitution"
    User = Pool().get('res.user')
    with Transaction().set_context(**{OWN_GROUPS: True}):
        return set(User.get_groups())


class Position(metaclass=PoolMeta):
    __name__ = 'egov.position'
    level = fields.Integer(
        "Level",
        help="The position's level (jenjang): 1 = Jabatan Pimpinan Tinggi, "
        "2 = Administrator, 3 = Pengawas, 4 = Pelaksana and Fungsional. "
        "A substitute holds a position of the same level or one level "
        "below (SE BKN 1/SE/I/2021).")


class Absence(Workflow, ModelSQL, ModelView):
    "Absence of an official and their substitute (Plh. / Plt.)"
    __name__ = 'egov.absence'
    __string__ = "Absence"
    _states = {'readonly': Eval('state') != 'draft'}
    official = fields.Many2One(
        'res.user', "Official", required=True, ondelete='RESTRICT',
        states=_states)
    kind = fields.Selection([
            ('cuti', "Leave (Cuti)"),
            ('dinas_luar', "Official Travel (Dinas Luar)"),
            ('vacancy', "Vacant Position"),
            ('other', "Other Temporary Absence"),
            ], "Kind", required=True, states=_states)
    kind_string = kind.translated('kind')
    date_from = fields.Date("From", required=True, states=_states)
    date_to = fields.Date("To", required=True, states=_states)
    substitute = fields.Many2One(
        'res.user', "Substitute", required=True, ondelete='RESTRICT',
        states=_states)
    designation = fields.Function(fields.Selection([
                ('plh', "Plh. (Pelaksana Harian)"),
                ('plt', "Plt. (Pelaksana Tugas)"),
                ], "Designation",
            help="Plh. while the official is temporarily away, Plt. while "
            "the position is vacant (SE BKN 1/SE/I/2021)."),
        'on_change_with_designation')
    title = fields.Function(
        fields.Char("Acting as"), 'get_title')
    reason = fields.Text("Reason", states=_states)
    returned_on = fields.Date(
        "Returned on", readonly=True,
        help="The day the official came back before the end of the "
        "period (Return Early): from that day the queue is theirs again.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('confirmed', "Confirmed"),
            ('ended', "Ended Early"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True)
    state_string = state.translated('state')
    del _states
    _substitution_cache = Cache('egov_absence.substitution', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date_from', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'confirmed'),
            ('confirmed', 'cancelled'),
            ('confirmed', 'ended'),
            ('draft', 'cancelled'),
            }
        cls._buttons.update({
                'confirm': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-ok', 'depends': ['state']},
                'cancel': {
                    'invisible': Eval('state').in_(['cancelled', 'ended']),
                    'icon': 'tryton-cancel', 'depends': ['state']},
                'end_early': {
                    'invisible': Eval('state') != 'confirmed',
                    'icon': 'tryton-back', 'depends': ['state']},
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'cuti'

    @classmethod
    def default_official(cls):
        return Transaction().user or None

    @fields.depends('kind')
    def on_change_with_designation(self, name=None):
        return 'plt' if self.kind == 'vacancy' else 'plh'

    def get_rec_name(self, name):
        return '%s: %s %s' % (
            self.official.rec_name if self.official else '',
            self.title or '', self.substitute.rec_name
            if self.substitute else '')

    def get_title(self, name):
        "Plh. Kepala Dinas Komunikasi dan Informatika Kota Tangerang"
        return acting_title(self.official, self.designation)

    @classmethod
    def validate(cls, absences):
        super().validate(absences)
        for absence in absences:
            absence.check_period()
            absence.check_substitute()

    def check_period(self):
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise AbsencePeriodError(gettext(
                    'egov_app_request.msg_absence_period',
                    absence=self.rec_name))

    def check_substitute(self):
        "Another official, of the same level or one below (SE BKN)"
        if self.substitute == self.official:
            raise SubstituteRankError(gettext(
                    'egov_app_request.msg_substitute_self',
                    official=self.official.rec_name))
        official = self.official.egov_position
        substitute = self.substitute.egov_position
        if (not official or not substitute or official.level is None
                or substitute.level is None
                or substitute.level > official.level + 1):
            raise SubstituteRankError(gettext(
                    'egov_app_request.msg_substitute_rank',
                    substitute=self.substitute.rec_name,
                    substitute_position=(
                        substitute.rec_name if substitute else '-'),
                    official=self.official.rec_name,
                    official_position=(
                        official.rec_name if official else '-')))

    def check_overlap(self):
        "One confirmed absence at a time for an official"
        overlapping = self.search([
                ('id', '!=', self.id),
                ('state', '=', 'confirmed'),
                ('official', 'in', [self.official.id, self.substitute.id]),
                ('date_from', '<=', self.date_to),
                ('date_to', '>=', self.date_from),
                ])
        for other in overlapping:
            raise AbsencePeriodError(gettext(
                    'egov_app_request.msg_absence_overlap',
                    absence=self.rec_name, other=other.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, absences):
        for absence in absences:
            absence.check_overlap()

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, absences):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('ended')
    def end_early(cls, absences):
        """Kembali Lebih Awal: the official is back today; the period
        ran until yesterday and the record keeps it"""
        day = today()
        for absence in absences:
            if absence.date_from > day:
                raise AbsencePeriodError(gettext(
                        'egov_app_request.msg_absence_not_started',
                        absence=absence.rec_name,
                        date_from=format_date_id(absence.date_from)))
        cls.write(list(absences), {'returned_on': day})

    @classmethod
    def running_of(cls, official_id, date=None):
        """The confirmed absence of `official_id` running on `date`
        (today), read without access check, or None"""
        if official_id not in cls.substitutes(date):
            return None
        day = date or today()
        with without_check_access():
            found = cls.search([
                    ('official', '=', official_id),
                    ('state', '=', 'confirmed'),
                    ('date_from', '<=', day),
                    ('date_to', '>=', day),
                    ], limit=1)
        return found[0] if found else None

    @classmethod
    def check_official(cls, absences):
        "Staff record and change their own absences; the administrator all"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        transaction = Transaction()
        if not transaction.user or not transaction.check_access:
            return
        if ModelData.get_id('egov_app_request', 'group_egov_admin') in (
                own_groups()):
            return
        for absence in absences:
            if absence.official.id != transaction.user:
                raise AbsenceOfficialError(gettext(
                        'egov_app_request.msg_absence_official',
                        absence=absence.rec_name,
                        user=User(transaction.user).rec_name))

    @classmethod
    def create(cls, vlist):
        records = super().create(vlist)
        cls.check_official(records)
        cls._forget_substitutions()
        return records

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for absences, _ in zip(actions, actions):
            cls.check_official(absences)
        super().write(*args)
        actions = iter(args)
        for absences, _ in zip(actions, actions):
            cls.check_official(absences)
        cls._forget_substitutions()

    @classmethod
    def delete(cls, absences):
        cls.check_official(absences)
        super().delete(absences)
        cls._forget_substitutions()

    @classmethod
    def _confirmed(cls):
        """The confirmed absences not over by yesterday (UTC): (official,
        substitute, kind, first day, last day), read without access check
        (res.user.get_groups needs it) and kept until an absence changes or
        the day changes"""
        utc_day = clock.now().date()
        key = ('confirmed', utc_day.isoformat())
        # Kept in the transaction as well: res.user.get_groups asks about
        # thirty times in one press, and the trytond Cache copies its value
        # at each get.
        memo = transaction_memo('egov.absence.confirmed')
        rows = memo.get(key)
        if rows is not None:
            return rows
        rows = cls._substitution_cache.get(key)
        if rows is None:
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(
                    table.official, table.substitute, table.kind,
                    table.date_from, table.date_to,
                    where=(table.state == 'confirmed')
                    & (table.date_to >= utc_day - dt.timedelta(days=1))))
            rows = [[o, s, k, str(f), str(t)] for o, s, k, f, t in cursor]
            cls._substitution_cache.set(key, rows)
        memo.clear()
        memo[key] = rows
        return rows

    @classmethod
    def _forget_substitutions(cls):
        "An absence changed: _confirmed() reads again"
        cls._substitution_cache.clear()
        forget_memo('egov.absence.confirmed')

    @classmethod
    def running(cls, date=None):
        "The confirmed absences running on `date` (today)"
        rows = cls._confirmed()
        if not rows:
            return []
        day = str(date or today())
        return [dict(zip(('official', 'substitute', 'kind'), row[:3]))
            for row in rows if row[3] <= day <= row[4]]

    @classmethod
    def substituted_by(cls, user_id, date=None):
        "The officials whom `user_id` substitutes on `date`: {id: kind}"
        return {a['official']: a['kind'] for a in cls.running(date)
            if a['substitute'] == user_id}

    @classmethod
    def substitutes(cls, date=None):
        "The absent officials on `date` and their substitutes: {id: id}"
        return {a['official']: a['substitute'] for a in cls.running(date)}


def acting_title(official, designation):
    "The designation and the position of the official the substitute acts for"
    if not official:
        return None
    position = (group_position({g.id for g in official.groups})
        or (official.egov_position.rec_name
            if official.egov_position else ''))
    return f"{DESIGNATIONS.get(designation, '')} {position}".strip()


def designation_of(kind):
    return 'plt' if kind == 'vacancy' else 'plh'


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def get_groups(cls):
        "The user's groups and, during an absence, the SOP roles held for it"
        groups = super().get_groups()
        transaction = Transaction()
        if (not transaction.user or transaction.context.get(OWN_GROUPS)
                or '_groups' in transaction.context):
            return groups
        Absence = Pool().get('egov.absence')
        officials = Absence.substituted_by(transaction.user)
        if not officials:
            return groups
        held = cls._role_groups_of(list(officials))
        return tuple(sorted(set(groups) | held))

    @classmethod
    def _role_groups_of(cls, user_ids):
        "The SOP role groups of `user_ids`, read without access check"
        pool = Pool()
        UserGroup = pool.get('res.user-res.group')
        Group = pool.get('res.group')
        group = Group.__table__()
        user_group = UserGroup.user_group_all_table()
        cursor = Transaction().connection.cursor()
        cursor.execute(*user_group
            .join(group, 'LEFT', user_group.group == group.id)
            .select(user_group.group,
                where=(user_group.user.in_(user_ids))
                & (group.active == Literal(True))))
        return {g for g, in cursor} & role_group_ids()


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'

    @classmethod
    def _queue_groups(cls):
        "An absent official's roles wait in the substitute's queue"
        groups = super()._queue_groups()
        Absence = Pool().get('egov.absence')
        if Transaction().user in Absence.substitutes():
            groups -= role_group_ids() - set(cls._substitution_groups())
        return groups

    @classmethod
    def _substitution_groups(cls):
        "The role groups the current user holds by substitution"
        return set(Pool().get('res.user').get_groups()) - own_groups()

    def _groups_of_state(self, state):
        "The groups that act on the step `state` of this request"
        step = self.sop_steps().get(state)
        if not step:
            return set()
        if step.route_by_category and self.category:
            return {self.category.team_group.id}
        return {g.id for g in step.groups}

    def _acting_for(self, user_id=None, state=None):
        """(official id, designation) for whom `user_id` (the current
        user) acts on the step `state` (the current one), or None when they
        act in their own right"""
        pool = Pool()
        Absence = pool.get('egov.absence')
        User = pool.get('res.user')
        user_id = user_id or Transaction().user
        responsible = self._groups_of_state(state or self.state)
        if not responsible or own_groups() & responsible:
            return None
        officials = Absence.substituted_by(user_id)
        for official_id in sorted(officials):
            if User._role_groups_of([official_id]) & responsible:
                return official_id, designation_of(officials[official_id])
        return None

    @classmethod
    def check_responsible(cls, requests):
        """A substitute acts on neither a request of their own nor a
        validation of an analysis they wrote; the absent official does not
        act beside their substitute"""
        cls.check_not_absent(requests)
        super().check_responsible(requests)
        History = Pool().get('egov.request.history')
        user = Transaction().user
        if not user:
            return
        for request in requests:
            if not request._acting_for(user):
                continue
            own = user in {
                request.create_uid.id if request.create_uid else None,
                request.submitter.id if request.submitter else None}
            analysis = VALIDATES.get(request.state)
            wrote = analysis and History.search([
                    ('request', '=', request.id),
                    ('state', '=', analysis),
                    ('actor', '=', user),
                    ('finished', '!=', None),
                    ], limit=1)
            if own or wrote:
                raise OwnRequestSubstitutionError(gettext(
                        'egov_app_request.msg_substitute_own_request'
                        if own else
                        'egov_app_request.msg_substitute_own_analysis',
                        request=request.rec_name,
                        step=request.state_string))

    @classmethod
    def check_not_absent(cls, requests):
        """While their absence runs, the official's roles are the
        substitute's: one holder at a time, or two decisions could cross.
        They end the absence early to act again."""
        Absence = Pool().get('egov.absence')
        user = Transaction().user
        if not user or user not in Absence.substitutes():
            return
        handed = own_groups() & role_group_ids()
        for request in requests:
            if request.state in {'draft', 'incomplete'}:
                continue
            if not handed & request._groups_of_state(request.state):
                continue
            absence = Absence.running_of(user)
            if not absence:
                return
            raise OfficialAbsentError(gettext(
                    'egov_app_request.msg_official_absent',
                    request=request.rec_name,
                    step=request.state_string,
                    substitute=absence.substitute.rec_name,
                    title=absence.title,
                    date_from=format_date_id(absence.date_from),
                    date_to=format_date_id(absence.date_to)))

    @classmethod
    def _record_move(cls, requests, outcomes, left=None, notes=None,
            outputs=None):
        """Who acted by substitution: the reply letter is signed Plh. /
        Plt., the history record names the official acted for"""
        pool = Pool()
        User = pool.get('res.user')
        acting = {}
        for request in requests:
            ended = (left or {}).get(request.id)
            found = (request._acting_for(state=ended)
                if ended not in {None, 'draft', 'incomplete'}
                and Transaction().user else None)
            if found:
                acting[request.id] = found
        # The requests have moved: the step that ended is in `left`.
        moved = cls.browse(requests)
        if acting:
            signed = [r for r in moved if r.id in acting
                and (left or {}).get(r.id) == 'signing']
            for request in signed:
                cls._procedure_write([request], {
                        'signatory_acting': acting[request.id][1]})
        super()._record_move(cls.browse(requests), outcomes, left=left,
            notes=notes, outputs=outputs)
        if acting:
            History = pool.get('egov.request.history')
            with without_check_access():
                records = History.search([
                        ('request', 'in', list(acting)),
                        ('finished', '!=', None),
                        ('actor', '=', Transaction().user),
                        ('acting_for', '=', None),
                        ], order=[('finished', 'DESC'), ('id', 'DESC')])
            done = set()
            to_write = []
            for record in records:
                if record.request.id in done:
                    continue
                done.add(record.request.id)
                official_id, designation = acting[record.request.id]
                official = User(official_id)
                to_write.extend(([record], {
                            'acting_for': official_id,
                            'acting_as': acting_title(official, designation),
                            }))
            if to_write:
                with without_check_access():
                    History.write(*to_write)


class RequestHistory(metaclass=PoolMeta):
    __name__ = 'egov.request.history'
    acting_for = fields.Many2One(
        'res.user', "Acting for", readonly=True,
        help="The absent official for whom the substitute acted.")
    acting_as = fields.Char(
        "Acting as", readonly=True,
        help="The substitute's designation (Plh. / Plt.) and position, "
        "as SE BKN 1/SE/I/2021 writes it.")


class Notice(metaclass=PoolMeta):
    __name__ = 'egov.notice'

    @classmethod
    def _users_of(cls, groups):
        """An absent official's notices and escalations go to the
        substitute"""
        pool = Pool()
        Absence = pool.get('egov.absence')
        User = pool.get('res.user')
        users = super()._users_of(groups)
        substitutes = Absence.substitutes()
        if not substitutes:
            return users
        result = []
        for user in users:
            if user.id in substitutes:
                user = User(substitutes[user.id])
            if user not in result:
                result.append(user)
        return result


class Letter(metaclass=PoolMeta):
    __name__ = 'egov.request.letter'
    signatory_for = fields.Many2One(
        'res.user', "Signed for", readonly=True, ondelete='RESTRICT',
        help="The absent official for whom the substitute signed.")
    signatory_as = fields.Char(
        "Signed as", readonly=True,
        help="The signer's designation (Plh. / Plt.) and the position of "
        "the official acted for, as SE BKN 1/SE/I/2021 writes it and the "
        "step history records it.")

    @classmethod
    def _signature_values(cls, request, kind):
        """A substitute signs with the designation and the position of the
        official acted for (the sheets of steps 1 to 8 and the reply)"""
        User = Pool().get('res.user')
        values = super()._signature_values(request, kind)
        user = Transaction().user
        if not user or values.get('signatory') != user:
            return values
        found = request._acting_for(user, state=cls._documents[kind].state)
        if found:
            official_id, designation = found
            values.update({
                    'signatory_acting': designation,
                    'signatory_for': official_id,
                    'signatory_as': acting_title(
                        User(official_id), designation),
                    })
        return values


class Validation(metaclass=PoolMeta):
    __name__ = 'egov.request.validation'

    @classmethod
    def _position_of(cls, request, user):
        "A substitute validates as Plh. / Plt. of the official acted for"
        User = Pool().get('res.user')
        if user:
            found = request._acting_for(user.id)
            if found:
                return acting_title(User(found[0]), found[1])
        return super()._position_of(request, user)
