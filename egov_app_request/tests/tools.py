"""Helpers shared by the scenarios, the browser tests and the demo data:
the users of the SOP roles and complete requests, made through proteus."""
import datetime
import subprocess
from pathlib import Path

from proteus import Model

# login: (name, role groups, OPD code, position code)
ROLE_USERS = {
    'tatakelola': ("Rina Marlina", ['group_katim_tatakelola'], None,
        'ketua_tim'),
    'kabid.egov': ("Agus Setiawan", ['group_kabid_egov'], None,
        'kepala_bidang'),
    'kabid.sarpras': ("Dewi Lestari", ['group_kabid_sarpras'], None,
        'kepala_bidang'),
    'katim.publik': ("Bayu Pratama", ['group_katim_publik'], None,
        'ketua_tim'),
    'katim.manajemen': ("Siti Nurhaliza", ['group_katim_manajemen'], None,
        'ketua_tim'),
    'kadis': ("Hj. Indri Astuti", ['group_kadis'], None, 'kepala_dinas'),
    }
OPD_USERS = {
    # eligible: head of an OPD
    'kadis.dinkes': ("dr. Dini Anggraeni", 'dinkes', 'kepala_opd'),
    # staff who prepare the documents but may not submit
    'staf.dinkes': ("Yusuf Maulana", 'dinkes', 'staf'),
    # eligible, another OPD
    'kabid.dishub': ("Hendra Gunawan", 'dishub', 'kepala_bidang'),
    # a Camat: eligible
    'camat.cipondoh': ("Ahmad Fauzi", 'kec_cipondoh', 'camat'),
    # a UPT and a Kelurahan: refused, they go through their parent
    'kepala.upt': ("Lina Marliana", 'upt_puskesmas_cikokol', 'kepala_upt'),
    'lurah.cikokol': ("Rudi Hartono", 'kel_cikokol', 'lurah'),
    }
DEMO_PASSWORD = 'Tangerang-2026!'

# Small but real file contents (the upload check looks at them).
PDF = (b'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n'
    b'2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n'
    b'%%EOF\n')


def _ref(module_fs_id):
    ModelData = Model.get('ir.model.data')
    module, fs_id = module_fs_id.split('.')
    return ModelData.get_id(module, fs_id, {})


def load_indonesian(config=None):
    """Load the Indonesian translations as production and the demo have them
    (`trytond-admin -u ... -l id`): Indonesian made translatable, then the
    id.po of every activated module, in the order of their dependencies, so
    that this module's entries override the strings of ir and res. Users
    without a language (English) see the same as before.

    Inside a transaction (a ModuleTestCase test) it loads into it; given
    `config`, as a setup of `activate_modules` (the scenarios: run once,
    then kept in DB_CACHE with the database), it opens and commits its own."""
    # Imported here: importing trytond's backend reads the configuration,
    # which the scripts importing these tools set up first.
    from trytond.modules import create_graph
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    def load():
        pool = Pool()
        Lang = pool.get('ir.lang')
        Module = pool.get('ir.module')
        Translation = pool.get('ir.translation')
        Lang.write(Lang.search([('code', '=', 'id')]), {'translatable': True})
        modules = {m.name for m in Module.search([
                    ('state', '=', 'activated')])}
        for node in create_graph(modules):
            locale = Path(node.info['directory'], 'locale')
            files = [str(f) for f in [locale / 'id.po',
                    locale / 'override' / 'id.po'] if f.exists()]
            if files:
                Translation.translation_import('id', node.name, files)
    if config is None:
        load()
    else:
        with Transaction().start(config.database_name, 0):
            load()


def create_users(config=None, password=None, language=None):
    """One user per SOP role and the OPD officials of the demo.

    Scenarios leave the language unset (English source texts); the demo
    gives them Indonesian."""
    User = Model.get('res.user')
    Group = Model.get('res.group')
    OPD = Model.get('egov.opd')
    Position = Model.get('egov.position')
    Lang = Model.get('ir.lang')
    lang = None
    if language:
        lang, = Lang.find([('code', '=', language)])
    diskominfo, = OPD.find([('code', '=', 'diskominfo')])
    staff = Group(_ref('egov_app_request.group_diskominfo'))
    opd_group = Group(_ref('egov_app_request.group_opd'))
    users = []
    for login, (name, groups, opd, position) in ROLE_USERS.items():
        user = User(login=login, name=name)
        user.egov_opd = diskominfo
        user.egov_position, = Position.find([('code', '=', position)])
        user.groups.append(Group(staff.id))
        for group in groups:
            user.groups.append(Group(_ref(f'egov_app_request.{group}')))
        users.append(user)
    for login, (name, opd, position) in OPD_USERS.items():
        user = User(login=login, name=name)
        user.egov_opd, = OPD.find([('code', '=', opd)])
        user.egov_position, = Position.find([('code', '=', position)])
        user.groups.append(Group(opd_group.id))
        users.append(user)
    for user in users:
        user.email = f"{user.login}@tangerangkota.go.id"
        if lang is not None:
            user.language = lang
        if password:
            user.password = password
    User.save(users)
    return users


def create_role_user(login, name, groups, position='kepala_bidang',
        password=None):
    """One more Diskominfo official holding SOP roles (e.g. an acting
    Kepala Bidang, Plh.), made by the administrator"""
    User = Model.get('res.user')
    Group = Model.get('res.group')
    OPD = Model.get('egov.opd')
    Position = Model.get('egov.position')
    user = User(login=login, name=name)
    user.egov_opd, = OPD.find([('code', '=', 'diskominfo')])
    user.egov_position, = Position.find([('code', '=', position)])
    for group in ['group_diskominfo', *groups]:
        user.groups.append(Group(_ref(f'egov_app_request.{group}')))
    user.email = f"{login}@tangerangkota.go.id"
    if password:
        user.password = password
    user.save()
    return user


def login(user, config=None):
    "Play the next lines as this user"
    from proteus import config as pconfig
    current = pconfig.get_config()
    return pconfig.set_trytond(
        database=current.database_name, user=user)


def new_request(title, kind='new', documents=True):
    "A complete draft made by the current (OPD) user"
    Request = Model.get('egov.request')
    DocumentType = Model.get('egov.document.type')
    request = Request()
    request.title = title
    request.kind = kind
    request.description = f"Permintaan {title}."
    request.business_process_policy = (
        "Peraturan Wali Kota tentang standar pelayanan.")
    request.legal_basis = "Perpres 95/2018 tentang SPBE."
    request.user_requirements = "Petugas dan warga mengakses layanan daring."
    request.app_inputs = "Formulir permohonan warga."
    request.app_outputs = "Dasbor dan laporan bulanan."
    if kind == 'development':
        request.existing_application = "Tangerang LIVE"
        request.developed_application = own_application()
    # The signed request letter's own number and date.
    request.letter_number = f"000.7/{len(title) * 7 % 900 + 100}/2026"
    request.letter_date = datetime.date(2026, 11, 2)
    if documents:
        field = 'required_new' if kind == 'new' else 'required_development'
        for type_ in DocumentType.find([(field, '=', True)]):
            document = request.documents.new()
            document.type = type_
            document.filename = f'{type_.code}.pdf'
            document.file = PDF
    request.save()
    return request


def own_application():
    """An application of the current (OPD) user's OPD in the catalog, added
    by the administrator when the OPD has none yet"""
    from proteus import config as pconfig
    Application = Model.get('egov.application')
    found = Application.find([], limit=1)
    if found:
        return found[0]
    User = Model.get('res.user')
    me = User(pconfig.get_config().user)
    login_, opd_id = me.login, me.egov_opd.id
    login('admin')
    Application = Model.get('egov.application')
    application = Application(name=f"Aplikasi Layanan {me.egov_opd.name}",
        opd=opd_id, category='public', status='live')
    application.save()
    login(login_)
    return Model.get('egov.application')(application.id)


def _fill_completeness(request, missing):
    "Step 2: every checklist item present, or missing if named in `missing`"
    for line in request.checklist:
        if line.item.name in missing:
            line.result = 'missing'
            line.note = "Belum dilampirkan."
        elif line.result in {None, 'missing'}:
            # Re-checked after the OPD completed it.
            line.result = 'present'
            line.note = None


def _fill_feasibility(request, missing):
    """Step 4: every criterion assessed, the conclusion written, and
    "Aplikasi Umum first" of a new application answered: build"""
    for line in request.feasibility_lines:
        if not line.assessment:
            line.assessment = 'met'
            line.note = "Terpenuhi menurut dokumen pengajuan."
    if not request.feasibility_conclusion:
        request.feasibility_conclusion = 'feasible'
    if not request.feasibility_analysis:
        request.feasibility_analysis = "Layak dibangun."
    if request.kind == 'new' and not request.general_app_answer:
        # "Aplikasi Umum first": none of the similar ones serves it.
        request.general_app_answer = 'build'
        request.general_app_reason = (
            "Aplikasi serupa dalam katalog tidak memenuhi kebutuhan "
            "khusus OPD.")


def _fill_categorization(request, missing):
    "Step 6: the category, the SPBE class and the reason"
    if not request.category:
        Category = Model.get('egov.category')
        request.category, = Category.find(
            [('code', '=', 'layanan_publik')])
    if not request.spbe_class:
        request.spbe_class = 'khusus'
    if not request.category_reason:
        request.category_reason = (
            "Melayani kebutuhan khusus OPD; tidak ada Aplikasi Umum.")


def _fill_technical(request, missing):
    "Step 7: every section of the technical analysis"
    defaults = {
        'tech_architecture': "Aplikasi web tiga lapis, PostgreSQL.",
        'tech_hosting': 'pusat_data',
        'tech_integration': "SPLP untuk data kependudukan.",
        'tech_security_class': 'tinggi',
        'tech_security_needs': "TLS, autentikasi dua faktor, log audit.",
        'tech_infrastructure': "2 VM (4 vCPU, 8 GB), sertifikat TLS.",
        'tech_effort_days': 120,
        'technical_analysis': "Dapat dibangun oleh tim aplikasi.",
        'technical_recommendation': 'build',
        }
    for name, value in defaults.items():
        if not getattr(request, name):
            setattr(request, name, value)


# The sample data of each step whose role writes before its button:
# {state: fill(request, missing)}.
STEP_SAMPLES = {
    'completeness': _fill_completeness,
    'feasibility': _fill_feasibility,
    'categorization': _fill_categorization,
    'technical': _fill_technical,
    }


def fill_step(request, missing=()):
    """Fill in what the current step of `request` must write before its
    button, as its role would, leaving alone what is already written:
    step 2 checks every checklist item (present, or missing for the items
    named in `missing`), step 4 assesses every criterion (and answers
    "Aplikasi Umum first" of a new application: build), step 6 gives the
    SPBE class and step 7 writes every section of the technical analysis
    (STEP_SAMPLES, one function per step)."""
    fill = STEP_SAMPLES.get(request.state)
    if fill:
        fill(request, missing)
    request.save()
    return request


class SMTPSink:
    "A local SMTP server that keeps what it receives (for e-mail tests)"

    def __init__(self):
        from aiosmtpd.controller import Controller
        from trytond import config

        self.messages = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import email
                from email import policy
                message = email.message_from_bytes(
                    envelope.content, policy=policy.default)
                sink.messages.append((list(envelope.rcpt_tos), message))
                return '250 OK'
        import socket
        with socket.socket() as probe:
            probe.bind(('127.0.0.1', 0))
            port = probe.getsockname()[1]
        self.controller = Controller(
            Handler(), hostname='127.0.0.1', port=port)
        self.controller.start()
        config.set('email', 'uri', f'smtp://127.0.0.1:{port}')
        config.set('email', 'from', 'e-gov@tangerangkota.go.id')

    def pop(self):
        "The messages received since the last pop: [(recipients, message)]"
        messages, self.messages = self.messages, []
        return messages

    def stop(self):
        self.controller.stop()


def local(*args):
    "A moment in Kota Tangerang (WIB, UTC+7) as Tryton stores it (UTC)"
    import datetime as dt
    return dt.datetime(*args) - dt.timedelta(hours=7)


def shipped_calendar():
    """The WorkCalendar exactly as the module ships it in
    data/calendar_data.xml (for tests, benchmarks and the demo, without a
    database)"""
    import datetime as dt
    import xml.etree.ElementTree as ET

    from ..worktime import WorkCalendar
    data = Path(__file__).resolve().parents[1] / 'data' / 'calendar_data.xml'
    weekly, periods, holidays = {}, {}, []

    def value(record, name):
        for field in record.iter('field'):
            if field.get('name') == name:
                if field.get('eval'):
                    return eval(field.get('eval'), {'datetime': dt})
                return field.get('ref') or field.text
    for record in ET.parse(data).getroot().iter('record'):
        model = record.get('model')
        if model == 'egov.holiday':
            holidays.append(value(record, 'date'))
        elif model == 'egov.calendar.period':
            periods[record.get('id')] = [
                value(record, 'first_date'), value(record, 'last_date'), {}]
        elif model == 'egov.calendar.hours':
            start, end = value(record, 'start'), value(record, 'end')
            interval = (start.hour * 60 + start.minute,
                end.hour * 60 + end.minute)
            period = value(record, 'period')
            target = periods[period][2] if period else weekly
            target.setdefault(int(value(record, 'weekday')), []).append(
                interval)
    return WorkCalendar(
        weekly, [tuple(p) for p in periods.values()], holidays)


def pdf_text(data):
    "The text of a PDF (pdftotext), whitespace folded"
    out = subprocess.run(['pdftotext', '-', '-'], input=data,
        capture_output=True, check=True)
    return ' '.join(out.stdout.decode().split())
