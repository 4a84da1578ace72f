from trytond.tests.test_tryton import ModuleTestCase


class EgovAppRequestTestCase(ModuleTestCase):
    "Test e-Government application request module"
    module = 'egov_app_request'


del ModuleTestCase
