"""What a user may write on a request, and how saves are stored.

The write rules: the OPD writes its fields while it holds the request,
each step's role writes that step's fields (and a contributor its shared
part), the procedure sets the rest; a submitted request is never deleted.
The refusal names who writes the field. A save made on a form loaded
before another's change is merged when it touches none of the changed
fields; the role of a step is told when a contributor wrote its part.
Apart from the state machine (request.py) so that the rules of a save
read in one place; they run through trytond's check_modification
(access.CheckModificationFirstMixin)."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .exceptions import DeleteSubmittedError, ProtectedFieldError
from .request import OPD_FIELDS, OPD_STATES


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'

    @classmethod
    def _editable_fields(cls, request, groups):
        if request.state in OPD_STATES:
            return OPD_FIELDS
        ModelData = Pool().get('ir.model.data')
        shared = set()
        for fs_id, names in cls._shared_step_fields.get(
                request.state, {}).items():
            if ModelData.get_id('egov_app_request', fs_id) in groups:
                shared |= names
        if not groups & {g.id for g in request.responsible_groups()}:
            return shared
        return (cls._step_fields.get(request.state, set()) | {'step_note'}
            | shared)

    @classmethod
    def check_modification(cls, mode, requests, values=None, external=False):
        """A user writes only what the request's step lets them (the
        message names who writes the field: CheckModificationFirstMixin runs
        this before the platform's field access rules); a submitted request
        is never deleted"""
        super().check_modification(
            mode, requests, values=values, external=external)
        if mode == 'write' and external:
            cls._check_direct_write(requests, values)
        elif mode == 'delete':
            for request in requests:
                if request.state != 'draft':
                    raise DeleteSubmittedError(gettext(
                            'egov_app_request.msg_delete_submitted',
                            request=request.rec_name))

    @classmethod
    def _check_direct_create(cls, vlist):
        """A request is created with what the OPD fills in; the procedure
        sets the rest (copies and clients send empty or default values
        too)"""
        allowed = OPD_FIELDS | {'opd'}
        for values in vlist:
            for name, value in values.items():
                if (name not in allowed
                        and value not in {None, False, '', 'draft'}):
                    # The label only for the message: fields_get of every
                    # field costs more than the rest of a create.
                    labels = cls.fields_get([name])
                    raise ProtectedFieldError(gettext(
                            'egov_app_request.msg_protected_field_create',
                            field=labels.get(name, {}).get('string', name)))

    @classmethod
    def _check_direct_write(cls, requests, values):
        """Users change only what their step lets them; the workflow the
        rest. A value sent unchanged is no change: clients send the fields
        of the form they show."""
        User = Pool().get('res.user')
        groups = set(User.get_groups())
        for request in requests:
            allowed = cls._editable_fields(request, groups)
            for name, value in values.items():
                if name in allowed or not request._changes(name, value):
                    continue
                raise ProtectedFieldError(gettext(
                        'egov_app_request.msg_protected_field',
                        # Named even to those who may not read it.
                        field=cls.field_strings([name]).get(name, name),
                        request=request.rec_name,
                        step=request.state_string,
                        owners=request._field_owners(name)))

    def _changes(self, name, value):
        "Whether writing `value` into the field `name` changes it"
        field = self._fields.get(name)
        if field is None:
            return True
        if field._type in {'one2many', 'many2many'}:
            # A list of actions: none is no change.
            return bool(value)
        current = getattr(self, name)
        if isinstance(current, ModelSQL):
            current = current.id
        if field._type in {'char', 'text', 'selection', 'boolean'}:
            # Empty and unset read alike on every screen.
            current, value = current or None, value or None
        return current != value

    def _field_owners(self, name):
        "Who writes the field `name`, and at which step: for the messages"
        pool = Pool()
        Group = pool.get('res.group')
        Category = pool.get('egov.category')
        ModelData = pool.get('ir.model.data')
        steps = self.sop_steps()
        step_names = dict(self.fields_get(['state'])['state']['selection'])
        owners = []
        if name in OPD_FIELDS:
            owners.append(gettext('egov_app_request.msg_owner_opd',
                    opd=self.opd.rec_name if self.opd else '-'))
        for state, step in steps.items():
            # The step note belongs to whoever acts on the current step.
            note = {'step_note'} if state == self.state else set()
            if name in self._step_fields.get(state, set()) | note:
                if state == self.state:
                    groups = self.responsible_groups()
                elif step.route_by_category:
                    groups = [c.team_group for c in Category.search([])]
                else:
                    groups = step.groups
                owners.append(gettext('egov_app_request.msg_owner_step',
                        groups=' / '.join(g.name for g in groups) or '-',
                        step=step_names[state]))
            for fs_id, shared in self._shared_step_fields.get(
                    state, {}).items():
                if name in shared:
                    group = Group(ModelData.get_id('egov_app_request', fs_id))
                    owners.append(gettext('egov_app_request.msg_owner_step',
                            groups=group.name, step=step_names[state]))
        if not owners:
            owners.append(gettext('egov_app_request.msg_owner_procedure'))
        return '; '.join(owners)

    @classmethod
    def create(cls, vlist):
        # What a user sets by creating a request is checked on the values
        # sent, here: check_modification('create') sees only the records
        # once created (with their defaults), after the platform's field
        # access rules, and could not name the field the user set.
        if cls._external():
            cls._check_direct_create(vlist)
        # Network calls only (portal, JSON-RPC): throttle.py.
        pool = Pool()
        pool.get('egov.throttle').check(
            'request', amount=len(vlist), record=True, model=cls.__name__)
        requests = super().create(vlist)
        cls.check_eligible_organizations(requests)
        return requests

    @classmethod
    def on_write(cls, requests, values):
        """After the write rules, before the platform's check of the
        versions: a save on a form loaded before another's change is
        merged; the role of a step is told when a contributor wrote its
        part"""
        callbacks = super().on_write(requests, values)
        cls._merge_concurrent_save(requests, values)
        awaited = [(r, r.contributions()) for r in requests
            if cls._shared_step_fields.get(r.state)]
        if awaited:
            callbacks.append(lambda: cls._tell_inputs_given(awaited))
        return callbacks

    @classmethod
    def _tell_inputs_given(cls, awaited):
        "The role of a step is told when a contributor wrote its part"
        Notice = Pool().get('egov.notice')
        for request, before in awaited:
            if not before:
                continue
            after = cls(request.id).contributions()
            given = [n for names in before.values() for n in names
                if n not in {m for ms in after.values() for m in ms}]
            if given:
                Notice.input_given(cls(request.id), given,
                    Transaction().user)

    @classmethod
    def _merge_concurrent_save(cls, requests, values):
        """Several people work on one request at once: the contributor of
        step 7 beside its team, the two Kepala Bidang of step 8. A save
        made on a form loaded before another's change goes through when
        none of the fields it writes changed since (the versions are in
        the history table); otherwise the platform's concurrency check
        refuses it, and nothing anybody wrote is overwritten unseen."""
        transaction = Transaction()
        timestamps = transaction.timestamp
        if not timestamps:
            return
        names = [n for n in values
            if n in cls._fields
            and cls._fields[n]._type not in {'one2many', 'many2many'}
            and not isinstance(cls._fields[n], fields.Function)]
        loaded = {}
        for request in requests:
            key = f'{cls.__name__},{request.id}'
            if timestamps.get(key) is not None:
                loaded[request.id] = key
        if not loaded:
            return
        with without_check_access():
            now = {r['id']: r for r in cls.read(
                    list(loaded), ['_timestamp', *names])}
            for id_, key in loaded.items():
                seen = timestamps[key]
                if now[id_]['_timestamp'] == seen:
                    continue  # nobody changed it: nothing to merge
                # The version the form was loaded from (the timestamp is
                # that version's write date in seconds since the epoch).
                at = dt.datetime.fromtimestamp(
                    float(seen), dt.timezone.utc).replace(tzinfo=None)
                with transaction.set_context(
                        _datetime=at + dt.timedelta(milliseconds=1)):
                    then = cls.read([id_], ['_timestamp', *names])
                if (then and then[0]['_timestamp'] == seen
                        and all(then[0][n] == now[id_][n] for n in names)):
                    del timestamps[key]

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if 'step_note' in values and 'step_note_by' not in values:
            # Whose note it is: a validation of step 8 takes only its
            # validator's own note as its reason.
            values['step_note_by'] = (
                (Transaction().user or None)
                if (values['step_note'] or '').strip() else None)
        return values
