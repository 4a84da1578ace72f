"""One vocabulary for what users read about a request: the state it is in
(the SOP step), the decision, how a step stands against its time standard,
the kind of request and the kinds of documents issued for it.

The words are the selection strings of `egov.request` (`state` from
sop.STATES, `decision`, `timing` and `kind` in request.py, the steps'
fields in step_*.py), of its lines and validations (analysis.py) and of
`egov.request.letter` (`kind`, declared by the step files) as translated in
locale/id.po. The web client shows exactly these; the portal, the board,
the documents (`word(model, field, value)` in report/*.html), the register
and the e-mails read them here, in Indonesian whatever the language of the
reader (they are Indonesian pages and letters), and keep no word list of
their own. Change a word in id.po (or in the database's translations) and
it changes everywhere at once.

The translations are the database's (`ir.translation`): the product is
installed with Indonesian loaded (`trytond-admin ... -l id`, README), as
the demo and the test servers are. A database without them shows the
English source strings, everywhere alike."""
from trytond.pool import Pool

LANGUAGE = 'id'


def selection(model, field, language=LANGUAGE):
    "{value: label} of a selection field, translated in `language`"
    Model = Pool().get(model)
    definition = Model._fields[field].definition(Model, language)
    return {k: v for k, v in definition['selection'] if k}


def word(model, field, value, language=LANGUAGE):
    "The translated label of `value` (empty for no value)"
    if not value:
        return ''
    return selection(model, field, language).get(value, value)


def state(value):
    "The state (SOP step) of a request: '2. Pemeriksaan Kelengkapan'"
    return word('egov.request', 'state', value)


def decision(value):
    "The decision of the Kepala Dinas: 'Disetujui dengan Ketentuan'"
    return word('egov.request', 'decision', value)


def timing(value):
    "How a step stands against its standard: 'Tepat Waktu', 'Terlambat'"
    return word('egov.request', 'timing', value)


def timings():
    "Every timing word, by value"
    return selection('egov.request', 'timing')


def kind(value):
    "The kind of a request: 'Pembangunan Aplikasi'"
    return word('egov.request', 'kind', value)


def document(value):
    "The kind of a document issued for a request: 'Surat Jawaban'"
    return word('egov.request.letter', 'kind', value)


def documents():
    "Every document kind's word, by value, in the order the steps declare them"
    return selection('egov.request.letter', 'kind')
