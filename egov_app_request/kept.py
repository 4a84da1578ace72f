"""What a transaction keeps of its own, and what it forgets after a write.

- `transaction_memo(name)`: a dict kept for the current transaction, until
  its commit (trytond renews `started_at` there: another process may have
  changed the data meanwhile). The procedure's steps, the configuration's
  record and the confirmed absences are asked for many times in one press
  and read once (sop.py, absence.py).
- `written_behind_orm(Model, ids)`: after an SQL statement wrote rows of
  `Model` without the ORM (a set-based recompute, a frozen HTML), the
  records this transaction read before are made stale, as the ORM's own
  write does (modelstorage.py): the transaction's counter and its record
  caches."""
from trytond.transaction import Transaction


def transaction_memo(name):
    "The dict kept under `name` for the current transaction"
    transaction = Transaction()
    started, memos = getattr(transaction, '_egov_memos', (None, None))
    if memos is None or started != transaction.started_at:
        memos = {}
        transaction._egov_memos = (transaction.started_at, memos)
    return memos.setdefault(name, {})


def forget_memo(name):
    "What the current transaction kept under `name` is read again"
    transaction_memo(name).clear()


def written_behind_orm(Model, ids):
    """Rows `ids` of `Model` were written by SQL: the records read before
    in this transaction read them again"""
    transaction = Transaction()
    transaction.counter += 1
    for cache in transaction.cache.values():
        if Model.__name__ in cache:
            model_cache = cache[Model.__name__]
            for id_ in ids:
                model_cache.pop(id_, None)
