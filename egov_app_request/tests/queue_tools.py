"""What the tests of the work done by trytond-worker after the commit (the
documents' PDFs, the notices, the recompute of the deadlines) share."""
import unittest

from proteus import Model
from trytond import config
from trytond.tests.test_tryton import drop_db
from trytond.tests.tools import activate_modules

from .tools import SMTPSink, create_users, load_indonesian, login


class WorkerTestCase(unittest.TestCase):
    """A database with the module, Indonesian and the users of the roles
    (one build in DB_CACHE for all these tests); `[queue] worker`, which a
    test sets as production does, restored after it; the e-mails caught by
    a local sink (`self.mail`)"""

    def setUp(self):
        drop_db()
        self.database = activate_modules(
            'egov_app_request', load_indonesian, create_users).database_name
        self.worker = config.get('queue', 'worker', default=None)
        self.addCleanup(self.restore_worker)
        self.addCleanup(drop_db)
        self.mail = SMTPSink()
        self.addCleanup(self.mail.stop)

    def restore_worker(self):
        if self.worker is None:
            config.remove_option('queue', 'worker')
        else:
            config.set('queue', 'worker', self.worker)

    def as_(self, user, request):
        "`request` as `user` sees it (logged in as them)"
        login(user)
        return Model.get('egov.request')(request.id)
