"""Who acts on a request now: the role of its current step and the queues.

The groups responsible for the current step (routed by category at step
7), the parts of the step that another role still has to write, the
"waiting for me" queue of each user (a domain built from the steps of the
SOP versions and the user's groups; absences and step 7's team extend it
in absence.py and step_technical.py), and the check that only the
responsible groups move a request. Apart from the state machine
(request.py) so that "whose turn is it" reads in one place."""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import NotResponsibleError
from .request import OPD_STATES


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'

    responsible = fields.Function(
        fields.Char("Responsible"), 'get_responsible')

    awaiting_input = fields.Function(
        fields.Char("Awaiting Input",
            states={'invisible': ~Eval('awaiting_input')},
            help="The parts of this step that another role writes and that "
            "are still empty, with that role."),
        'get_awaiting_input')
    waiting_for_me = fields.Function(
        fields.Boolean("Waiting for Me"),
        'get_waiting_for_me', searcher='search_waiting_for_me')

    def responsible_groups(self):
        "The groups that act on the current step of this request"
        step = self.sop_steps().get(self.state)
        if not step:
            return []
        if step.route_by_category and self.category:
            return [self.category.team_group]
        return list(step.groups)

    def contributions(self):
        """The parts of the current step that another role writes and that
        are still empty: {group: field names}"""
        pool = Pool()
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        pending = {}
        for fs_id, names in self._shared_step_fields.get(
                self.state, {}).items():
            empty = [n for n in sorted(names)
                if not (getattr(self, n) or '').strip()]
            if empty:
                group = Group(ModelData.get_id('egov_app_request', fs_id))
                pending[group] = empty
        return pending

    def field_labels(self, names):
        "The labels of fields `names`, in the user's language"
        labels = self.fields_get(list(names))
        return ', '.join(labels[n]['string'] for n in names if n in labels)

    def get_awaiting_input(self, name):
        return '; '.join(
            f'{self.field_labels(names)} — {group.name}'
            for group, names in self.contributions().items()) or None

    @classmethod
    def get_responsible(cls, requests, name):
        pool = Pool()
        Step = pool.get('egov.step')
        Group = pool.get('res.group')
        # The steps of each request's SOP version with their groups, and
        # the names of the groups in one read, not step by step (read as
        # the records' attributes are: without the user's access check).
        by_version = {}
        for request in requests:
            if request.sop_version not in by_version:
                by_version[request.sop_version] = Step.by_state(
                    request.sop_version)
        # by_state() carries each step's groups (from its cache).
        step_groups = {s.id: [g.id for g in s.groups]
            for steps in by_version.values() for s in steps.values()}
        with without_check_access():
            group_names = {g['id']: g['name'] for g in Group.read(
                    list({g for ids in step_groups.values() for g in ids}),
                    ['name'])}
        result = {}
        for request in requests:
            step = by_version[request.sop_version].get(request.state)
            if request.state in OPD_STATES:
                names = [request.opd.rec_name] if request.opd else []
            elif not step:
                names = []
            elif step.route_by_category and request.category:
                names = [request.category.team_group.name]
            else:
                names = [group_names[g] for g in step_groups[step.id]]
            result[request.id] = ', '.join(names) or None
        return result

    @classmethod
    def _my_waiting_domain(cls):
        pool = Pool()
        Step = pool.get('egov.step')
        Version = pool.get('egov.sop.version')
        Category = pool.get('egov.category')
        ModelData = pool.get('ir.model.data')
        groups = cls._queue_groups()
        domain = ['OR']
        # Each request waits at the step of its own SOP version; one
        # without a version (not yet submitted) follows the one in force.
        current = Version.in_force_at()
        for step in Step.search([]):
            versions = [step.version.id]
            if current and step.version == current:
                versions.append(None)
            version = ('sop_version', 'in', versions)
            if step.route_by_category:
                categories = Category.search([
                        ('team_group', 'in', list(groups)),
                        ])
                if categories:
                    domain.append([
                            ('state', '=', step.state),
                            ('category', 'in', [c.id for c in categories]),
                            version,
                            ])
            elif groups & {g.id for g in step.groups}:
                domain.append([version, cls._waiting_domain(
                            step, groups & {g.id for g in step.groups})])
        # A contributor waits on a step until its part is written.
        for state, shared in cls._shared_step_fields.items():
            for fs_id, names in shared.items():
                if ModelData.get_id('egov_app_request', fs_id) in groups:
                    domain.append([('state', '=', state),
                            ['OR'] + [(n, 'in', [None, '']) for n in names]])
        if ModelData.get_id('egov_app_request', 'group_opd') in groups:
            domain.append(('state', 'in', list(OPD_STATES)))
        return domain if len(domain) > 1 else [('id', '=', -1)]

    @classmethod
    def _queue_groups(cls):
        "The groups whose requests wait in the current user's queue"
        return set(Pool().get('res.user').get_groups())

    @classmethod
    def _waiting_domain(cls, step, roles):
        "The requests at `step` that wait for a user of `roles`"
        return ('state', '=', step.state)

    @classmethod
    def get_waiting_for_me(cls, requests, name):
        waiting = cls.search([
                ('id', 'in', [r.id for r in requests]),
                cls._my_waiting_domain(),
                ])
        return {r.id: r in waiting for r in requests}

    @classmethod
    def search_waiting_for_me(cls, name, clause):
        _, operator, value = clause
        domain = cls._my_waiting_domain()
        if (operator == '=') != bool(value):
            domain = ['NOT', domain]
        return domain

    @classmethod
    def check_responsible(cls, requests):
        "Refuse unless the user is in the group responsible for the step"
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
        if transaction.user == 0:
            return
        groups = set(User.get_groups())
        for request in requests:
            if request.state in OPD_STATES:
                # The record rules keep OPD users to their own OPD.
                continue
            responsible = request.responsible_groups()
            if not groups & {g.id for g in responsible}:
                raise NotResponsibleError(gettext(
                        'egov_app_request.msg_not_responsible',
                        request=request.rec_name,
                        step=request.state_string,
                        groups=', '.join(g.name for g in responsible)))
