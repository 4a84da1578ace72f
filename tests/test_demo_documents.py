"""Every document the demo requests were issued reads like the real thing.

On the demo database (built once per session, served by trytond), the Head
of Department reads each issued document over JSON-RPC, as the web client
downloads it, and its text (pdftotext) is checked against the request it
belongs to: the registration number, the OPD, the date in Indonesian, the
signer, and what the step decided (checklist items, criteria, category,
technical sections, the reply letter's number and decision). Decided
requests, approved and rejected, hold the complete set of documents.
"""
import base64
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import Client  # noqa: E402
from server import DEMO_DATABASE as DATABASE  # noqa: E402

from egov_app_request.letter import addressee_title, format_date_id
from egov_app_request.tests.tools import pdf_text

ALL_KINDS = {'receipt', 'checklist', 'disposition', 'feasibility', 'category',
    'technical', 'reply'}
ID = {'language': 'id'}


def _bytes(value):
    if isinstance(value, dict) and value.get('__class__') == 'bytes':
        return base64.b64decode(value['base64'])
    return value


def _date(value):
    import datetime as dt
    if isinstance(value, dict) and value.get('__class__') == 'date':
        return dt.date(value['year'], value['month'], value['day'])
    return value


@pytest.fixture(scope='module')
def documents(demo_server):
    "Each request of the demo with its issued documents and their text"
    client = Client(demo_server.url, DATABASE).login(
        'kadis', demo_server.password)

    def read(model, ids, names):
        rows = client.call(f'model.{model}.read', ids, names, context=ID)
        for row in rows:
            # Tryton answers "a.b" as {"a.": {"b": ...}}: flatten it.
            for name in names:
                if '.' in name:
                    head, tail = name.split('.', 1)
                    related = row.get(head + '.') or {}
                    row[name] = related.get(tail)
        return rows

    request_ids = client.call('model.egov.request.search',
        [('state', '!=', 'draft')], 0, None, [('id', 'ASC')])
    requests = read('egov.request', request_ids, [
            'number', 'title', 'state', 'opd.name', 'letter_number',
            'letter_date', 'decision', 'rejection_concluded', 'letters',
            'checklist', 'feasibility_lines', 'category.name',
            'spbe_class', 'tech_security_class', 'tech_effort_days',
            'technical_recommendation', 'feasibility_conclusion',
            'disposition_initials', 'agenda_number', 'validations'])
    for request in requests:
        request['letters'] = read('egov.request.letter', request['letters'],
            ['kind', 'version', 'number', 'issued_date', 'file', 'digest',
                'signatory.name', 'for_opd'])
        for letter in request['letters']:
            letter['text'] = pdf_text(_bytes(letter['file']))
            letter['issued_date'] = _date(letter['issued_date'])
        request['checklist'] = read('egov.request.checklist',
            request['checklist'], ['item.name', 'result'])
        request['feasibility_lines'] = read('egov.request.feasibility',
            request['feasibility_lines'], ['criterion.name', 'assessment'])
        request['letter_date'] = _date(request['letter_date'])
        request['validations'] = read('egov.request.validation',
            request['validations'],
            ['analysis', 'decision', 'reason', 'validator.name'])
    return requests


def test_decided_requests_hold_the_complete_set(documents):
    decided = [r for r in documents if r['state'] == 'done']
    decisions = {r['decision'] for r in decided}
    assert {'approved', 'approved_conditions', 'rejected'} <= decisions
    for request in decided:
        kinds = {l['kind'] for l in request['letters']}
        assert kinds == ALL_KINDS, (request['number'], kinds)
    # Every request past step 1 has its receipt, numbered letters only
    # from step 9.
    for request in documents:
        if request['state'] == 'received':
            continue
        kinds = [l['kind'] for l in request['letters']]
        assert 'receipt' in kinds, request['number']
        for letter in request['letters']:
            assert bool(letter['number']) == (letter['kind'] == 'reply')


def test_every_document_names_its_request(documents):
    seen = 0
    for request in documents:
        for letter in request['letters']:
            text, where = letter['text'], (request['number'], letter['kind'])
            assert request['number'] in text, where
            assert format_date_id(letter['issued_date']) in text, where
            assert letter['signatory.name'] in text, where
            if letter['kind'] == 'disposition':
                # "Surat dari": the head of the OPD, as letters name them.
                assert addressee_title(request['opd.name']) in text, where
            else:
                assert (request['opd.name'] in text
                    or addressee_title(request['opd.name']) in text), where
            seen += 1
    assert seen > 60


def test_documents_carry_what_their_step_decided(documents, demo_server):
    client = Client(demo_server.url, DATABASE).login(
        'kadis', demo_server.password)

    def selections(model, names):
        "The web client's words: the selections as fields_get gives them"
        fields = client.call(f'model.{model}.fields_get', names, context=ID)
        return {n: dict(fields[n]['selection']) for n in names}
    words = selections('egov.request', ['feasibility_conclusion',
            'spbe_class', 'tech_security_class', 'technical_recommendation'])
    words['validation'] = selections(
        'egov.request.validation', ['decision'])['decision']
    decisions = selections('egov.request', ['decision'])['decision']
    replies = []
    for request in documents:
        for letter in request['letters']:
            text, kind = letter['text'], letter['kind']
            where = (request['number'], kind, letter['version'])
            if kind in {'receipt', 'checklist', 'feasibility', 'category',
                    'technical'}:
                assert (f"Nomor {request['letter_number']} tanggal "
                    f"{format_date_id(request['letter_date'])}") in text, where
            if kind == 'checklist':
                for line in request['checklist']:
                    assert line['item.name'] in text, (where, line)
                last = max(l['version'] for l in request['letters']
                    if l['kind'] == 'checklist')
                # In 'completeness' again, the OPD answered an "incomplete":
                # its last checklist is still the one that sent it back.
                if request['state'] in {'incomplete', 'completeness'}:
                    assert 'dinyatakan BELUM LENGKAP' in text, where
                elif letter['version'] == last:
                    assert 'dinyatakan LENGKAP' in text, where
            elif kind == 'disposition':
                assert 'LEMBAR DISPOSISI' in text, where
                assert f"Nomor Surat : {request['letter_number']}" in text
                assert f"Nomor Agenda : {request['agenda_number']}" in text
                assert f"Paraf : {request['disposition_initials']}" in text
                assert '✓' in text, where
            elif kind == 'feasibility':
                for line in request['feasibility_lines']:
                    assert line['criterion.name'] in text, (where, line)
                conclusion = words['feasibility_conclusion'][
                    request['feasibility_conclusion']].upper()
                assert f'Kesimpulan: {conclusion}' in text, where
                assert 'Validasi' in text and words['validation'][
                    'rejection' if 'Disimpulkan Ditolak' in text
                    else 'validated'] in text, where
            elif kind == 'category':
                assert request['category.name'] in text, where
                assert words['spbe_class'][request['spbe_class']] in text
            elif kind == 'technical':
                assert 'Peraturan BSSN 4/2021' in text, where
                assert words['tech_security_class'][
                    request['tech_security_class']] in text, where
                assert f"{request['tech_effort_days']} hari-orang" in text
                recommendation = words['technical_recommendation'][
                    request['technical_recommendation']].upper()
                assert f'Rekomendasi: {recommendation}' in text, where
                # Each validation of step 8 with its validator and the
                # validator's own note: both Kepala Bidang when validated.
                given = [v for v in request['validations']
                    if v['analysis'] == 'technical']
                if not request['rejection_concluded']:
                    validators = {v['validator.name'] for v in given
                        if v['decision'] == 'validated'}
                    assert len(validators) >= 2, (where, given)
                for validation in given:
                    assert validation['validator.name'] in text, where
                    # The demo's Kepala Bidang always write a note.
                    assert validation['reason'], (where, validation)
                    assert ' '.join(validation['reason'].split()) in text, (
                        where, validation)
            elif kind == 'reply':
                replies.append(letter['number'])
                assert letter['number'] in text, where
                assert addressee_title(request['opd.name']) in text, where
                # The decision in the words of the translated selection
                # (vocabulary.py), as the web client and the portal show it.
                assert (f"permohonan tersebut "
                    f"{decisions[request['decision']].upper()}") in text, where
                assert (f"Nomor {request['letter_number']} tanggal "
                    f"{format_date_id(request['letter_date'])}") in text
    # The reply letters take consecutive numbers of the year's register.
    sequences = sorted(int(n.split('/')[1]) for n in replies)
    assert sequences == list(range(1, len(replies) + 1)), replies
