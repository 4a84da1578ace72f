"""Over real HTTP (JSON-RPC, as the web client speaks), what stays inside
Diskominfo stays there on every path an OPD user can take:
the reports of the internal sheets, the related models (validations,
feasibility assessments), a protected field read through its relation
(`disposition_to.rec_name`), the clicks and the log of who pressed which
button, and searches through relations (`letters.kind`). Diskominfo's
staff still read and print all of it.

A real trytond on a database of its own (SQLite, or PostgreSQL when
TRYTOND_DATABASE_URI says so): a request of Dinas Kesehatan played by each
role through step 8, so that it has every internal sheet, validations and
feasibility assessments."""
import base64
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dbbuild import new_database  # noqa: E402
from server import refused  # noqa: E402

INTERNAL_KINDS = ['disposition', 'feasibility', 'category', 'technical']
OPD_KINDS = ['receipt', 'checklist']  # the reply letter comes at step 9
VALIDATORS = ['kabid.egov', 'kabid.sarpras']
# Searches of egov.request through the internal analyses and notes.
INTERNAL_RELATION_SEARCHES = {
    'egov.request.validation': [
        [('validations.decision', '=', 'validated')],
        [('validations', '!=', None)],
        ],
    'egov.request.feasibility': [
        [('feasibility_lines.assessment', '=', 'met')],
        [('feasibility_lines', '!=', None)],
        [('history.notes', '!=', None)],
        [('history.output', '!=', None)],
        [('disposition_to.name', '!=', None)],
        [('disposition_to', '!=', None)],
        ],
    }


@pytest.fixture(scope='module')
def site():
    database = new_database('egov_internal')
    try:
        # Played through steps 1-7 by their roles (tests/dbbuild.py).
        database.fill(users=False, technical_validation=1)
        database.start()
        request_id, = database.data['technical_validation']
        # Step 8: both Kepala Bidang validate; the technical sheet is
        # issued.
        for login in VALIDATORS:
            database.as_(login).call('model.egov.request.approve_technical',
                [request_id])
        admin = database.as_('admin')
        state, = admin.call('model.egov.request.read', [request_id],
            ['state'])
        assert state['state'] == 'signing', state
        letters = admin.call('model.egov.request.letter.search_read',
            [('request', '=', request_id)], 0, None, None, ['kind'])
        database.request = request_id
        database.letters = {l['kind']: l['id'] for l in letters}
        assert set(database.letters) >= set(INTERNAL_KINDS + OPD_KINDS), (
            database.letters)
        actions = admin.call('model.ir.action.report.search_read',
            [('report_name', 'like', 'egov.%')], 0, None, None,
            ['report_name'])
        database.actions = {a['report_name']: a['id'] for a in actions}
        yield database
    finally:
        database.destroy()



def pdf(answer):
    "The bytes of a report's answer, checked to be a PDF"
    extension, content, _, _ = answer
    assert extension == 'pdf'
    data = base64.b64decode(content['base64'])
    assert data.startswith(b'%PDF')
    return data


# --- Reports -----------------------------------------------------------------

@pytest.mark.parametrize('kind', INTERNAL_KINDS)
def test_opd_cannot_print_an_internal_sheet(site, kind):
    """The audit's case: the receipt's id given to the technical sheet;
    and the sheet's own id"""
    dinkes = site.as_('kadis.dinkes')
    message = refused(dinkes.call,
        f'report.egov.request.letter.{kind}.execute',
        [site.letters['receipt']], {})
    assert 'not allowed' in message, message
    refused(dinkes.call, f'report.egov.request.letter.{kind}.execute',
        [site.letters[kind]], {})


def test_a_letter_report_prints_only_its_kind(site):
    """The report itself checks the kind of each record, whoever asks and
    whatever the groups of its action say"""
    dinkes = site.as_('kadis.dinkes')
    message = refused(dinkes.call,
        'report.egov.request.letter.checklist.execute',
        [site.letters['receipt']], {})
    assert 'Registration Receipt' in message, message
    assert 'Completeness Checklist' in message, message
    # Not even together with a record of the right kind.
    refused(dinkes.call, 'report.egov.request.letter.checklist.execute',
        [site.letters['checklist'], site.letters['receipt']], {})
    staff = site.as_('kabid.egov')
    message = refused(staff.call,
        'report.egov.request.letter.technical.execute',
        [site.letters['receipt']], {})
    assert 'Technical Analysis Sheet' in message, message
    # Each of the OPD's documents prints as what it is, and the summary.
    for kind in OPD_KINDS:
        pdf(dinkes.call(f'report.egov.request.letter.{kind}.execute',
                [site.letters[kind]], {}))
    pdf(dinkes.call('report.egov.request.summary.execute',
            [site.request], {}))


def test_a_report_renders_only_its_own_action(site):
    """trytond renders the template of the `action_id` it is sent: the
    receipt report with the summary's action, or the register with it,
    would render with the checks of neither"""
    dinkes = site.as_('kadis.dinkes')
    summary = site.actions['egov.request.summary']
    message = refused(dinkes.call,
        'report.egov.request.letter.receipt.execute',
        [site.letters['receipt']], {'action_id': summary})
    assert 'own template' in message, message
    refused(dinkes.call, 'report.egov.request.letter.receipt.execute',
        [site.letters['receipt']],
        {'action_id': site.actions['egov.request.letter.technical']})
    refused(dinkes.call, 'report.egov.request.register.xlsx.execute',
        [], {'action_id': summary})
    refused(dinkes.call, 'report.egov.report.step_time.xlsx.execute',
        [], {'action_id': summary})


@pytest.mark.parametrize('kind', INTERNAL_KINDS + OPD_KINDS)
def test_staff_still_print_every_sheet(site, kind):
    "(A guard: it passes without the checks of internal sheets too.)"
    for login in ['kabid.egov', 'tatakelola']:
        pdf(site.as_(login).call(
                f'report.egov.request.letter.{kind}.execute',
                [site.letters[kind]], {}))


# --- Related models ----------------------------------------------------------

@pytest.mark.parametrize('model', [
        'egov.request.validation', 'egov.request.feasibility'])
def test_opd_cannot_read_the_internal_analyses(site, model):
    dinkes = site.as_('kadis.dinkes')
    ids = site.as_('kabid.egov').call(f'model.{model}.search',
        [('request', '=', site.request)], 0, None, None)
    assert ids, "the request has them (staff read them)"
    for call, args in [
            ('search', ([], 0, None, None)),
            ('search_count', ([],)),
            ('read', (ids, ['id'])),
            ('search_read', ([], 0, None, None, ['request'])),
            ]:
        message = refused(dinkes.call, f'model.{model}.{call}', *args)
        assert 'not allowed' in message, (call, message)
    # Nor searched through the request.
    for domain in INTERNAL_RELATION_SEARCHES[model]:
        message = refused(dinkes.call, 'model.egov.request.search', domain,
            0, None, None)
        assert 'not allowed' in message, (domain, message)
    # The result of step 2 is the OPD's (it receives it as a PDF too), of
    # its own requests only.
    lines = dinkes.call('model.egov.request.checklist.search_read',
        [('request', '=', site.request)], 0, None, None,
        ['item', 'result', 'note'])
    assert lines and all(l['result'] == 'present' for l in lines)
    assert site.as_('kabid.dishub').call(
        'model.egov.request.checklist.search',
        [('request', '=', site.request)], 0, None, None) == []


@pytest.mark.parametrize('name', [
        'disposition_to.rec_name', 'disposition_to.name',
        'disposition_to:string', 'feasibility_conclusion:string',
        'tech_security_class:string', 'validations.reason',
        ])
def test_opd_cannot_read_internal_fields_through_their_relation(site, name):
    dinkes = site.as_('kadis.dinkes')
    message = refused(dinkes.call, 'model.egov.request.read',
        [site.request], [name])
    assert 'not allowed' in message, message
    staff = site.as_('kabid.egov')
    record, = staff.call('model.egov.request.read', [site.request],
        ['disposition_to.rec_name'])
    assert record['disposition_to.']['rec_name']


def _click(site):
    """A click recorded on the request's step-8 button, as Tryton records
    one for a button with approval rules (ir.model.button.rule)"""
    admin = site.as_('admin')
    button, = admin.call('model.ir.model.button.search',
        [('model', '=', 'egov.request'), ('name', '=', 'approve_technical')],
        0, None, None)
    validator, = admin.call('model.res.user.search',
        [('login', '=', 'kabid.egov')], 0, None, None)
    if not admin.call('model.ir.model.button.click.search',
            [('record_id', '=', site.request)], 0, None, None):
        admin.call('model.ir.model.button.click.create', [{
                    'button': button, 'record_id': site.request,
                    'user': validator}])
    return button


def test_opd_cannot_read_button_clicks(site):
    _click(site)
    for login in ['kadis.dinkes', 'kabid.dishub']:
        client = site.as_(login)
        for context in [{}, {'active_test': False}]:
            assert client.call('model.ir.model.button.click.search_read',
                [], 0, None, None, ['record_id', 'user', 'create_date'],
                context=context) == [], login
        assert client.call('model.ir.model.button.click.get_click',
            'egov.request', 'approve_technical', site.request) == {}
    # Diskominfo sees who validated.
    clicks = site.as_('kabid.sarpras').call(
        'model.ir.model.button.click.get_click',
        'egov.request', 'approve_technical', site.request)
    assert list(clicks.values()) == ["Agus Setiawan"], clicks


def test_opd_cannot_read_the_log(site):
    "ir.model.log tells who pressed which button, and when"
    resource = f'egov.request,{site.request}'
    staff_logs = site.as_('admin').call('model.ir.model.log.search_read',
        [('resource', '=', resource), ('event', '=', 'button')],
        0, None, None, ['user', 'target'])
    assert {l['target'] for l in staff_logs} >= {
        'submit', 'approve_technical'}
    for login in ['kadis.dinkes', 'kabid.dishub']:
        client = site.as_(login)
        assert client.call('model.ir.model.log.search_read',
            [('resource', '=', resource)], 0, None, None,
            ['user', 'target']) == [], login
        assert client.call('model.ir.model.log.search_count', []) == 0
        refused(client.call, 'model.ir.model.log.read',
            [l['id'] for l in staff_logs], ['user', 'target'])


# --- Searches through relations ----------------------------------------------

@pytest.mark.parametrize('domain', [
        [('letters.kind', '=', 'technical')],
        [('letters.kind', 'in', INTERNAL_KINDS)],
        [('letters', 'where', [('kind', '=', 'disposition')])],
        [('letters.filename', 'ilike', 'analisis-teknis%')],
        [('letters', 'ilike', 'lembar-kategori%')],
        ])
def test_opd_search_through_letters_reveals_no_internal_letter(
        site, domain):
    dinkes = site.as_('kadis.dinkes')
    assert dinkes.call('model.egov.request.search', domain,
        0, None, None) == []
    assert dinkes.call('model.egov.request.search_count', domain) == 0
    # Diskominfo finds the request that way.
    assert site.request in site.as_('kabid.egov').call(
        'model.egov.request.search', domain, 0, None, None)


def test_opd_search_by_internal_letter_ids_finds_nothing(site):
    dinkes = site.as_('kadis.dinkes')
    internal = [site.letters[k] for k in INTERNAL_KINDS]
    assert dinkes.call('model.egov.request.search',
        [('letters', 'in', internal)], 0, None, None) == []
    assert dinkes.call('model.egov.request.search',
        [('letters', '=', internal[0])], 0, None, None) == []
    # From a document the OPD reads, through its request.
    assert dinkes.call('model.egov.request.letter.search',
        [('request.letters.kind', '=', 'technical')], 0, None, None) == []
    assert dinkes.call('model.egov.request.document.search',
        [('request.letters.kind', '=', 'feasibility')], 0, None, None) == []
    # Its own letters are found.
    assert dinkes.call('model.egov.request.search',
        [('letters.kind', '=', 'receipt')], 0, None, None) == [site.request]
    # Another OPD's requests stay out of relation searches.
    dishub = site.as_('kabid.dishub')
    for domain in [
            [('letters.kind', '=', 'receipt'),
                ('letters.request', '=', site.request)],
            [('checklist.request', '=', site.request)],
            [('history.request', '=', site.request)],
            [('documents.request', '=', site.request)],
            ]:
        assert dishub.call('model.egov.request.search', domain,
            0, None, None) == [], domain
