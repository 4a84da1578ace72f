"""What stays inside Diskominfo stays there on every path: what Tryton
8.0's own checks leave open, closed for the module.

- `ir.model.field.access` checks the field names a client sends as they
  are: `read(['disposition_to.rec_name'])` or `['x:string']` is not the
  name of a protected field and passes. Checked here on the field itself.
- A search through a relation (`('letters.kind', '=', 'technical')`)
  converts the target's part without access check (ModelSQL.search_domain
  runs under without_check_access), so the target's record rules are not
  applied: an OPD user learns which requests have internal letters.
  `RelationRuleMixin.search_domain` puts the target's rules of the user
  into such clauses before Tryton converts them."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools.domain_inversion import is_leaf
from trytond.transaction import Transaction

RELATIONS = {'many2one', 'one2many', 'many2many', 'one2one'}
X2MANY = {'one2many', 'many2many'}


def field_of(name):
    "The field a client's name stands for: disposition_to.rec_name -> ..to"
    name = name.split('.', 1)[0]
    if name.endswith(':string'):
        name = name[:-len(':string')]
    return name


class FieldAccess(metaclass=PoolMeta):
    __name__ = 'ir.model.field.access'

    @classmethod
    def check(cls, model_name, fields, mode='read', raise_exception=True):
        names = list(fields)
        return super().check(
            model_name, names + [field_of(n) for n in names
                if field_of(n) != n],
            mode=mode, raise_exception=raise_exception)


def restrict_relations(Model, domain):
    """`domain` on Model, each clause through a relation restricted to the
    target records the user may read (the target's ir.rule)"""
    if is_leaf(domain):
        return _restrict_leaf(Model, domain)
    if isinstance(domain, str) or not isinstance(domain, (list, tuple)):
        return domain
    return [restrict_relations(Model, d) for d in domain]


def _restrict_leaf(Model, leaf):
    Rule = Pool().get('ir.rule')
    name, operator, value = leaf[:3]
    fname, _, rest = name.partition('.')
    field = Model._fields.get(fname)
    if (field is None or field._type not in RELATIONS
            or isinstance(field, fields.Function)
            or operator in {'child_of', 'not child_of', 'parent_of',
                'not parent_of'}):
        return leaf
    Target = field.get_target()
    rule = Rule.domain_get(Target.__name__, mode='read')
    if operator in {'where', 'not where'}:
        sub = restrict_relations(Target, value)
        changed = sub != value
    elif rest:
        sub = restrict_relations(Target, [(rest, operator, value)])
        changed = sub != [(rest, operator, value)]
        operator = 'where'
    elif field._type in X2MANY:
        # The target's table is queried (by id or by name).
        changed = False
        if value is None:
            sub = []
            operator = 'not where' if operator == '=' else 'where'
        else:
            target_name = 'rec_name' if isinstance(value, str) else 'id'
            sub = [(target_name, operator, value)]
            operator = 'where'
    else:
        # A many2one compared by id reads only this model's column.
        return leaf
    if not rule and not changed:
        return leaf
    if rule:
        sub = [sub, rule] if sub else rule
    return (fname, operator, sub)


class RelationRuleMixin:
    """Searches of a model through its relations see only the target
    records the user may read, as its other paths do"""
    __slots__ = ()

    @classmethod
    def search_domain(cls, domain, active_test=None, tables=None):
        # Called once the access to the fields of the domain is checked,
        # before Tryton converts it without access check.
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            domain = restrict_relations(cls, domain)
        return super().search_domain(
            domain, active_test=active_test, tables=tables)


class CheckModificationFirstMixin:
    """The write rules of a model live in trytond's `check_modification`
    (create, write, delete; a copy creates). trytond calls it after its own
    access check: a user without the model's access right would read the
    generic access error instead of the rule they met ("an issued document
    is never changed"). So the rules run first as well, with the same
    `external` flag as trytond's call (a user's call, access checked)."""
    __slots__ = ()

    @classmethod
    def _external(cls):
        transaction = Transaction()
        return bool(transaction.user and transaction.check_access)

    @classmethod
    def create(cls, vlist):
        cls.check_modification('create', [], external=cls._external())
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        external = cls._external()
        actions = iter(args)
        for records, values in zip(actions, actions):
            cls.check_modification(
                'write', records, values, external=external)
        super().write(*args)

    @classmethod
    def delete(cls, records):
        if records:
            cls.check_modification(
                'delete', records, external=cls._external())
        super().delete(records)
