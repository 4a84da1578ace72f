"""Fewer statements per save of a request: the fields its user may not read,
read for trytond's validation in one statement instead of one each.

After each create and write, trytond validates the records (required,
selection, size, forbidden characters…) by reading each field it checks.
It reads the fields of a record together, except those the user may not
read (ir.model.field.access): those are read one at a time, one statement
each. An OPD user may not read the Diskominfo's fields of its request
(disposition, feasibility, category, technical analysis…): about twenty
statements per save. They are read here in one statement, without access
checks as trytond's validation reads them, into the transaction's record
cache where the validation finds them.

And the platform's own rows that a press writes through trytond's code,
not a user's (access checks off): the audit log entries stored at the
commit (ir.model.log: the button, the transition), whose validation read
the entries back and the request again to check the reference, and the
tasks queued for trytond-worker (ir.queue: the PDF, the notices), read
back: four statements on every press."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

# The kinds of field read in one statement with the others: values kept
# as read in the record cache (not the x2many, read one query per field
# anyway, nor binaries, which trytond does not keep there).
_PREFETCHED = {'one2many', 'many2many', 'binary'}


def unreadable_fields(Model, field_names=None):
    """The stored fields of `Model` its user may not read, among those
    trytond validates after a save of `field_names` (None: all)"""
    FieldAccess = Pool().get('ir.model.field.access')
    access = FieldAccess.get_access([Model.__name__])[Model.__name__]
    if field_names is not None:
        field_names = set(field_names)
        functions = {n for n, f in Model._fields.items()
            if isinstance(f, fields.Function)}
    names = []
    for name, field_access in access.items():
        field = Model._fields.get(name)
        if field is not None and field_names is not None and not (
                name in field_names
                or field.validation_depends & field_names
                or field.validation_depends & functions):
            continue
        if (field_access['read'] or field is None
                or isinstance(field, fields.Function)
                or field._type in _PREFETCHED
                or field.context
                or getattr(field, 'datetime_field', None)):
            continue
        names.append(name)
    return names


def _stored_fields(Model):
    "The fields of `Model` trytond reads together into its record cache"
    return [name for name, field in Model._fields.items()
        if name != 'id' and not isinstance(field, fields.Function)
        and field._type not in _PREFETCHED
        and not field.context
        and not getattr(field, 'datetime_field', None)]


def prefetch_unreadable(Model, records, field_names=None):
    """Read the fields of `records` their user may not read that trytond
    validates after a save of `field_names`, in one statement, into the
    transaction's record cache. After a create (every field validated) all
    its stored fields are read so: trytond's validation would read those
    the user may read in one more statement."""
    records = [r for r in records if r.id is not None and r.id >= 0]
    names = unreadable_fields(Model, field_names) if records else []
    if names and field_names is None:
        names = _stored_fields(Model)
    # One field alone is read in one statement by the validation itself.
    if len(names) < 2:
        return
    read_together(records, names)


def read_together(records, names=None):
    """Read the stored fields `names` (None: those trytond reads together)
    of `records`, of one model, in one statement without access check,
    into the transaction's record cache, where these records find them
    (and any record of the same model, id and context): records met one by
    one (each letter's submitter, its signatory) then read nothing more"""
    by_id = {r.id: r for r in records if r and r.id is not None and r.id >= 0}
    if not by_id:
        return
    Model = type(next(iter(by_id.values())))
    with without_check_access():
        rows = Model.read(sorted(by_id), names or _stored_fields(Model))
    for row in rows:
        by_id[row['id']]._cache[row['id']]._update(**row)


class Request(metaclass=PoolMeta):
    __name__ = 'egov.request'

    @classmethod
    def _validate(cls, records, field_names=None):
        prefetch_unreadable(cls, records, field_names)
        super()._validate(records, field_names=field_names)


class PlatformRowsMixin:
    """The rows trytond's own code stores without access checks, not read
    back for a validation: built by the platform from the call that
    stores them, never by a user (no access to create them)"""
    __slots__ = ()

    @classmethod
    def _validate(cls, records, field_names=None):
        if Transaction().check_access:
            super()._validate(records, field_names=field_names)


class ModelLog(PlatformRowsMixin, metaclass=PoolMeta):
    # The entries ModelStorage.log builds from the records just written,
    # stored by the transaction at its commit.
    __name__ = 'ir.model.log'


class Queue(PlatformRowsMixin, metaclass=PoolMeta):
    # The tasks Queue.push stores with the name and data of the call.
    __name__ = 'ir.queue'
