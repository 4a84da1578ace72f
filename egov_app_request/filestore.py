"""No orphan files in the filestore: a file is stored only with the record
that refers to it, and removed with it.

The supporting documents (egov.request.document, prefix ``egov``) and the
issued letters' PDFs (egov.request.letter, prefix ``egov_letter``) are kept
in trytond's filestore ([database] path), not in the database. A file is
written when the record is saved, inside the transaction; when that
transaction is rolled back (a refusal after the save, a conflict that is
retried, a database connection killed during ``decide``), the rows are gone
but the file stays: an orphan nobody can read or remove.

Two mechanisms, both here:

1. ``TransactionalBinary``: the Binary field of these models. It remembers
   the files it wrote in the current transaction (a Transaction data
   manager); if the transaction is rolled back (``tpc_abort``), they are
   removed. trytond 8.0's filestore names every file it writes with a fresh
   uuid4, so a file written by a transaction belongs to it alone. With a
   content-addressed store (``[database] class``: the same content gives
   the same name, a file may have existed before), nothing is removed on
   rollback and the scheduled job below does the work.

2. The scheduled job "Remove Orphan e-Government Files"
   (``ir.filestore.queue|egov_remove_orphan_files``, daily): it removes the
   files of the module's prefixes that no row references and that are older
   than ``[egov] orphan_file_hours`` (default 24; files of transactions
   still running are younger). A file is referenced when any Binary
   ``file_id`` column of any model storing under that prefix (its table
   and, for models with history, its history table) holds its id, or when
   trytond's own removal queue (ir.filestore.queue) holds it: those are
   removed by trytond's job after their retention delay."""
import datetime as dt
import logging
import os
from functools import cache

from sql import Column, Null

from trytond import backend, config
from trytond.filestore import filestore
from trytond.model import ModelSQL, fields
from trytond.model.fields.field import SQL_OPERATORS
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)


@cache
def uuid_named_store():
    "Whether the filestore names files at random (not by their content)"
    return filestore._id(b'egov') != filestore._id(b'egov')


class WrittenFiles:
    """The files written by one transaction: removed if it rolls back.

    One per transaction (Transaction.join compares data managers)."""

    def __init__(self):
        self.files = []

    def __eq__(self, other):
        return isinstance(other, WrittenFiles)

    def __hash__(self):
        return hash(WrittenFiles)

    def add(self, prefix, file_ids):
        self.files.extend((prefix, i) for i in file_ids)

    def tpc_begin(self, transaction):
        pass

    def commit(self, transaction):
        pass

    def tpc_vote(self, transaction):
        pass

    def tpc_finish(self, transaction):
        self.files.clear()

    def tpc_abort(self, transaction):
        files, self.files = self.files, []
        for prefix, file_id in files:
            try:
                filestore.delete(file_id, prefix=prefix)
            except Exception:
                # The job removes it later; the rollback goes on.
                logger.warning("could not remove %s/%s of a rolled-back "
                    "transaction", prefix, file_id, exc_info=True)
        if files:
            logger.info("removed %s file(s) of a rolled-back transaction",
                len(files))


class TransactionalBinary(fields.Binary):
    """A Binary field whose files are removed if the transaction rolls
    back. Its set() is trytond 8.0's Binary.set, with each file written
    joined to the transaction's WrittenFiles before the row is updated (a
    failure of that update, such as a killed connection, rolls back too).

    Its files are kept in the database's own folder: the store prefix is
    `<database>/<prefix>` (`egov_kota/egov`), beside trytond's attachments
    (`<database>/`), so that several databases (cities) served from one
    `[database] path` never share a file, and the folder of one database
    is all its files (backup, restore, removal)."""

    @property
    def store_prefix(self):
        prefix = self._store_prefix
        database = Transaction().database
        if prefix is None or database is None:
            return prefix
        return f'{database.name}/{prefix}'

    @store_prefix.setter
    def store_prefix(self, value):
        self._store_prefix = value

    def set(self, Model, name, ids, value, *args):
        if not self.file_id or not uuid_named_store():
            return super().set(Model, name, ids, value, *args)
        transaction = Transaction()
        table = Model.__table__()
        cursor = transaction.connection.cursor()
        prefix = self.store_prefix
        if prefix is None:
            prefix = transaction.database.name
        written = transaction.join(WrittenFiles())
        args = iter((ids, value) + args)
        for ids, value in zip(args, args):
            self.queue_for_removal(Model, name, ids)
            file_id = filestore.set(value, prefix) if value else None
            if file_id:
                written.add(prefix, [file_id])
            cursor.execute(*table.update(
                    [Column(table, self.file_id), Column(table, name)],
                    [file_id, None],
                    where=SQL_OPERATORS['in'](table.id, ids)))


def module_prefixes(pool=None):
    "The store prefixes of the module's Binary fields"
    pool = pool or Pool()
    prefixes = set()
    for _, Model in pool.iterobject():
        for field in Model._fields.values():
            if isinstance(field, TransactionalBinary) and field.file_id:
                prefixes.add(field.store_prefix
                    or Transaction().database.name)
    return prefixes


def referenced_files(prefix, pool=None):
    """The ids of the files under `prefix` that a row references: every
    Binary file_id column storing there (tables and history tables) and
    trytond's removal queue"""
    pool = pool or Pool()
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    database = transaction.database.name
    found = set()
    for _, Model in pool.iterobject():
        if not issubclass(Model, ModelSQL) or Model._is_table_query():
            continue
        for field in Model._fields.values():
            if not isinstance(field, fields.Binary) or not field.file_id:
                continue
            if (field.store_prefix or database) != prefix:
                continue
            tables = [Model.__table__()]
            if Model._history:
                tables.append(Model.__table_history__())
            for table in tables:
                column = Column(table, field.file_id)
                cursor.execute(*table.select(column,
                        where=column != Null, group_by=[column]))
                found.update(r[0] for r in cursor)
    Queue = pool.get('ir.filestore.queue')
    queue = Queue.__table__()
    cursor.execute(*queue.select(queue.file_id,
            where=queue.prefix == prefix))
    found.update(r[0] for r in cursor)
    return found


def move_to_database_folders(pool=None):
    """The files stored before under the prefixes shared by every database
    (`egov/`, `egov_letter/`) move to this database's folder
    (`<database>/egov/`): each file a row of this database references, and
    each one in trytond's removal queue. Run by `trytond-admin -u`; a file
    no row of this database references stays where it is."""
    pool = pool or Pool()
    path = getattr(filestore, 'path', None)
    if not path or not hasattr(filestore, '_filename'):
        return 0
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    database = transaction.database.name
    moved = 0
    shared = {}
    for _, Model in pool.iterobject():
        if not issubclass(Model, ModelSQL) or Model._is_table_query():
            continue
        for field in Model._fields.values():
            if isinstance(field, TransactionalBinary) and field.file_id:
                shared.setdefault(field._store_prefix, []).append(
                    (Model, field))
    Queue = pool.get('ir.filestore.queue')
    queue = Queue.__table__()
    for old, users in sorted(shared.items()):
        new = f'{database}/{old}'
        if not os.path.isdir(os.path.join(path, old)):
            continue
        file_ids = set()
        for Model, field in users:
            tables = [(Model._table, Model.__table__())]
            if Model._history:
                tables.append(
                    (Model._table + '__history', Model.__table_history__()))
            for name, table in tables:
                if not backend.TableHandler.table_exist(name):
                    continue
                column = Column(table, field.file_id)
                cursor.execute(*table.select(column, where=column != Null,
                        group_by=[column]))
                file_ids.update(r[0] for r in cursor)
        if backend.TableHandler.table_exist(Queue._table):
            cursor.execute(*queue.select(queue.file_id,
                    where=queue.prefix == old))
            file_ids.update(r[0] for r in cursor)
            cursor.execute(*queue.update([queue.prefix], [new],
                    where=queue.prefix == old))
        for file_id in sorted(file_ids):
            source = filestore._filename(file_id, old)
            target = filestore._filename(file_id, new)
            if os.path.exists(source) and not os.path.exists(target):
                os.makedirs(os.path.dirname(target), mode=0o770,
                    exist_ok=True)
                os.replace(source, target)
                moved += 1
    if moved:
        logger.info("moved %s file(s) to the folder of database %s",
            moved, database)
    return moved


class FileStoreQueue(metaclass=PoolMeta):
    __name__ = 'ir.filestore.queue'

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        if module == 'egov_app_request':
            move_to_database_folders()

    @classmethod
    def egov_remove_orphan_files(cls, hours=None):
        """Remove the module's unreferenced files older than `hours`
        ([egov] orphan_file_hours, default 24); return their paths"""
        if hours is None:
            hours = config.getint('egov', 'orphan_file_hours', default=24)
        path = getattr(filestore, 'path', None)
        if not path or not hasattr(filestore, '_filename'):
            logger.warning("orphan files: the filestore is not a "
                "directory; nothing removed")
            return []
        limit = (dt.datetime.now() - dt.timedelta(hours=hours)).timestamp()
        removed = []
        for prefix in sorted(module_prefixes()):
            directory = os.path.join(path, prefix)
            if not os.path.isdir(directory):
                continue
            referenced = referenced_files(prefix)
            for root, _, names in os.walk(directory):
                for name in names:
                    filename = os.path.join(root, name)
                    if name in referenced:
                        continue
                    # Only the files the store itself names (id[0:2]/
                    # id[2:4]/id), nothing else put in the directory.
                    try:
                        if filestore._filename(name, prefix) != filename:
                            continue
                        if os.stat(filename).st_mtime >= limit:
                            continue
                        os.remove(filename)
                    except (OSError, ValueError):
                        continue
                    removed.append(filename)
        if removed:
            logger.info("removed %s orphan file(s)", len(removed))
        return removed
