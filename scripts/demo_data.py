"""The demo database: an embedded SQLite database with the module activated
in Indonesian, one user per SOP role and OPD official, and requests standing
at every state of the workflow, each moved by the user of the right role.

    build_demo_database(directory, name, port) -> list of config files

is used by `make demo` (scripts/demo.py) and by the browser tests
(tests/test_browser.py), which build the same database in a temporary
directory. The heavy work runs in child processes with a clean environment,
so that a test runner configured for PostgreSQL (TRYTOND_*, DB_*) does not
leak into the demo's SQLite database."""
import copy
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SAO_ROOT = ROOT / '.sao' / 'package'

DEFAULT_NAME = 'egov_demo'
DEFAULT_PORT = 8000
ADMIN_LOGIN = 'admin'
ADMIN_EMAIL = 'admin.egov@tangerangkota.go.id'
READY = '{name}.ready'

# Who is who, for the table printed by `make demo` (Indonesian).
ROLE_LABELS = {
    'admin': ("Administrator sistem", "Diskominfo"),
    'tatakelola': ("Ketua Tim Kerja Tata Kelola TIK (langkah 1, 2, 4)",
        "Diskominfo"),
    'kabid.egov': ("Kepala Bidang Pengembangan E-Government "
        "(langkah 3, 5, 6, 8)", "Diskominfo"),
    'kabid.sarpras': ("Kepala Bidang Sarana dan Prasarana TIK dan "
        "Persandian (langkah 8)", "Diskominfo"),
    'katim.publik': ("Ketua Tim Kerja Aplikasi Layanan Publik (langkah 7)",
        "Diskominfo"),
    'katim.manajemen': ("Ketua Tim Kerja Aplikasi Manajemen Pemerintahan "
        "(langkah 7)", "Diskominfo"),
    'kadis': ("Kepala Dinas (langkah 9, tanda tangan)", "Diskominfo"),
    'kadis.dinkes': ("Kepala OPD — boleh mengajukan", "Dinas Kesehatan"),
    'staf.dinkes': ("Staf OPD — menyiapkan draf, tidak boleh mengajukan",
        "Dinas Kesehatan"),
    'kabid.dishub': ("Kepala Bidang — boleh mengajukan",
        "Dinas Perhubungan"),
    'camat.cipondoh': ("Camat — boleh mengajukan", "Kecamatan Cipondoh"),
    'kepala.upt': ("Kepala UPT — ditolak, lewat OPD induk",
        "UPT Puskesmas Cikokol"),
    'lurah.cikokol': ("Lurah — ditolak, lewat Kecamatan",
        "Kelurahan Cikokol"),
    }


def config_args(configs):
    "trytond's -c with the site file (one flag, all files after it)"
    return ['-c', *map(str, configs)] if configs else []


def clean_env(**extra):
    "The environment of a child process: none of the caller's database"
    env = {k: v for k, v in os.environ.items()
        if not k.startswith(('TRYTOND_', 'DB_'))}
    env.update(extra)
    return env


class MailSink:
    """A minimal SMTP server on 127.0.0.1 that files each message the demo
    sends (notifications) as DIRECTORY/mail/*.eml instead of delivering it"""

    def __init__(self, directory):
        import socketserver
        import threading
        folder = Path(directory) / 'mail'
        folder.mkdir(parents=True, exist_ok=True)

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.reply('220 demo SMTP')
                data = None
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    if data is not None:
                        if line in {b'.\r\n', b'.\n'}:
                            name = dt.datetime.now().strftime(
                                '%Y%m%d-%H%M%S-%f') + '.eml'
                            (folder / name).write_bytes(b''.join(data))
                            data = None
                            self.reply('250 OK')
                        else:
                            data.append(line[1:] if line.startswith(b'..')
                                else line)
                        continue
                    command = line[:4].upper()
                    if command == b'EHLO':
                        self.reply('250-demo\r\n250 8BITMIME')
                    elif command == b'DATA':
                        data = []
                        self.reply('354 End data with <CR><LF>.<CR><LF>')
                    elif command == b'QUIT':
                        self.reply('221 Bye')
                        return
                    else:
                        self.reply('250 OK')

            def reply(self, text):
                self.wfile.write(text.encode() + b'\r\n')

        self.server = socketserver.ThreadingTCPServer(
            ('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever,
            daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def write_demo_config(directory, port=DEFAULT_PORT, smtp_port=None):
    "Write DIRECTORY/trytond.conf; return the configuration files to load"
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / 'trytond.conf'
    config.write_text(
        "# Generated by scripts/demo.py: the demo's embedded database.\n"
        "# Used with: trytond -c THIS_FILE (the security settings come\n"
        "# with the module: egov_app_request/security_policy.py)\n"
        "[database]\n"
        "uri = sqlite://\n"
        f"path = {directory}\n"
        "\n"
        "[web]\n"
        f"root = {SAO_ROOT}\n"
        f"listen = 127.0.0.1:{port}\n"
        "\n"
        "[egov]\n"
        "# Production: clamd://... (README, Production). The demo's scanner\n"
        "# knows only the EICAR test file, so the refusal can be tried.\n"
        "malware_scanner = eicar\n"
        + (
            "\n[email]\n"
            "# Notifications go to the demo's mail sink: DIRECTORY/mail/*.eml\n"
            f"uri = smtp://127.0.0.1:{smtp_port}\n"
            "from = Diskominfo Kota Tangerang (demo) "
            "<noreply@tangerangkota.go.id>\n"
            if smtp_port else ""))
    return [str(config)]


def database_ready(directory, name=DEFAULT_NAME):
    directory = Path(directory)
    return ((directory / f'{name}.sqlite').exists()
        and (directory / READY.format(name=name)).exists())


def build_demo_database(directory, name=DEFAULT_NAME, port=DEFAULT_PORT,
        password=None, quiet=False):
    """Build (or rebuild) the demo database NAME in DIRECTORY.

    Returns the configuration files to give trytond (-c ...)."""
    from egov_app_request.tests.tools import DEMO_PASSWORD
    password = password or DEMO_PASSWORD
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / f'{name}.sqlite'
    ready = directory / READY.format(name=name)
    ready.unlink(missing_ok=True)
    for suffix in ['', '-wal', '-shm', '-journal']:
        Path(f'{database}{suffix}').unlink(missing_ok=True)
    # The file store (documents) lives in subdirectories beside the
    # database: DIRECTORY/<store prefix>/...; the directory is the demo's.
    for child in directory.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
    database.touch()
    sink = MailSink(directory)
    configs = write_demo_config(directory, port, sink.port)

    env = clean_env()
    output = subprocess.DEVNULL if quiet else None
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        passfile.write(password + '\n')
        passfile.flush()
        args = [str(VENV_BIN / 'trytond-admin'), *config_args(configs)]
        args += ['-d', name, '-u', 'egov_app_request',
            '--activate-dependencies', '-l', 'id', '--email', ADMIN_EMAIL]
        if not quiet:
            print("demo: trytond-admin -u egov_app_request -l id ...",
                flush=True)
        subprocess.run(args, check=True, stdout=output, stderr=output,
            env=dict(env, TRYTONPASSFILE=passfile.name))

    if not quiet:
        print("demo: pengguna dan permohonan contoh ...", flush=True)
    try:
        subprocess.run([sys.executable, __file__, '_fill', name, *configs],
            check=True, env=env)
    finally:
        sink.close()
    ready.write_text(dt.datetime.now().isoformat() + '\n')
    return write_demo_config(directory, port)


# --- The data, played through proteus (runs in the child process) --------

def _pdf(title):
    "A one-page PDF with a line of text (the upload check reads its header)"
    text = title.encode('latin-1', 'replace').replace(b'(', b'[').replace(
        b')', b']')
    stream = b'BT /F1 12 Tf 60 780 Td (' + text + b') Tj ET'
    objects = [
        b'<</Type/Catalog/Pages 2 0 R>>',
        b'<</Type/Pages/Kids[3 0 R]/Count 1>>',
        b'<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]'
        b'/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>',
        b'<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>',
        b'<</Length ' + str(len(stream)).encode() + b'>>stream\n'
        + stream + b'\nendstream',
        ]
    out = bytearray(b'%PDF-1.4\n')
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f'{i} 0 obj\n'.encode() + obj + b'\nendobj\n'
    xref = len(out)
    out += f'xref\n0 {len(objects) + 1}\n0000000000 65535 f \n'.encode()
    for offset in offsets:
        out += f'{offset:010d} 00000 n \n'.encode()
    out += (f'trailer<</Size {len(objects) + 1}/Root 1 0 R>>\n'
        f'startxref\n{xref}\n%%EOF\n').encode()
    return bytes(out)


OPD_SHORT = {
    'dinkes': 'Dinkes', 'dishub': 'Dishub', 'kec_cipondoh': 'Kec.Cipondoh'}

# Each request: who makes it, what it asks, and how far it goes.
# `path` lists the moves after submission, played in order.
REQUESTS = [
    dict(key='draft', user='staf.dinkes',
        title="Sistem Informasi Posyandu Digital (SIPANDU)",
        description="Pencatatan kegiatan Posyandu (penimbangan, imunisasi, "
        "vitamin A) oleh kader secara daring, menggantikan buku register "
        "dan laporan SKDN manual di 1.000-an Posyandu Kota Tangerang.",
        policy="Perwal Kota Tangerang tentang Pedoman Penyelenggaraan "
        "Posyandu; SOP pelaporan SKDN bulanan Dinas Kesehatan.",
        legal="Permenkes 8/2019 tentang Pemberdayaan Masyarakat Bidang "
        "Kesehatan; Perpres 95/2018 tentang SPBE.",
        requirements="Kader Posyandu mencatat lewat ponsel; bidan "
        "kelurahan memverifikasi; Puskesmas dan Dinkes melihat rekap.",
        inputs="Data balita, ibu hamil, hasil penimbangan dan imunisasi.",
        outputs="Laporan SKDN bulanan, grafik KMS digital, peta balita "
        "berisiko stunting per kelurahan.",
        path=None),
    dict(key='received', user='kabid.dishub',
        title="Aplikasi e-Parkir Tepi Jalan Umum",
        description="Pembayaran retribusi parkir tepi jalan umum secara "
        "non-tunai (QRIS) dengan juru parkir terdaftar, untuk menekan "
        "kebocoran retribusi di 120 titik parkir.",
        policy="Perda Kota Tangerang tentang Retribusi Jasa Umum; SOP "
        "pengelolaan parkir tepi jalan umum Dinas Perhubungan.",
        legal="UU 1/2022 tentang HKPD; Perda Kota Tangerang tentang Pajak "
        "Daerah dan Retribusi Daerah.",
        requirements="Juru parkir memindai karcis digital; pengendara "
        "membayar dengan QRIS; petugas Dishub memantau setoran harian.",
        inputs="Data titik parkir, juru parkir, transaksi QRIS.",
        outputs="Rekap setoran harian per titik, laporan PAD retribusi "
        "parkir bulanan.",
        path=[]),
    dict(key='received2', user='camat.cipondoh',
        title="Aplikasi Layanan Surat Pengantar Kecamatan Cipondoh "
        "(SiLaKa)",
        description="Permohonan surat pengantar dan legalisasi di "
        "Kecamatan Cipondoh secara daring, dengan tanda tangan "
        "elektronik Camat.",
        policy="SOP pelayanan administrasi terpadu kecamatan (PATEN) "
        "Kecamatan Cipondoh.",
        legal="Permendagri 4/2010 tentang Pedoman PATEN; Perpres 95/2018 "
        "tentang SPBE.",
        requirements="Warga mengajukan dari rumah; petugas PATEN "
        "memverifikasi; Camat menandatangani secara elektronik.",
        inputs="NIK pemohon, jenis surat, dokumen pendukung.",
        outputs="Surat pengantar ber-TTE, status permohonan, rekap "
        "layanan bulanan.",
        path=[]),
    dict(key='completeness', user='camat.cipondoh',
        title="Aplikasi Pengaduan Warga Tingkat Kecamatan Cipondoh",
        description="Kanal pengaduan warga tentang kebersihan, drainase "
        "dan penerangan jalan, diteruskan ke kelurahan dan OPD teknis.",
        policy="SOP penanganan pengaduan masyarakat Kecamatan Cipondoh.",
        legal="Perpres 76/2013 tentang Pengelolaan Pelayanan Publik; "
        "PermenPANRB 62/2018 tentang SP4N-LAPOR!.",
        requirements="Warga melapor dengan foto dan lokasi; kelurahan "
        "menindaklanjuti; Camat memantau waktu penyelesaian.",
        inputs="Laporan warga, foto, titik koordinat.",
        outputs="Status tindak lanjut, dasbor waktu penyelesaian per "
        "kelurahan.",
        path=['register']),
    # At the end of the year: registered on Thursday 31 December
    # 2026 at 15:30, its step 2 (60 working minutes) is due on the first
    # working moment of 2027 after 30 minutes of it: Monday 4 January
    # 08:00, Friday 1 January being a provisional holiday of 2027 (its SKB
    # is not entered). The deadline is shown as "perkiraan".
    dict(key='year_end', user='kabid.dishub',
        at=[dt.datetime(2026, 12, 31, 14, 0),
            dt.datetime(2026, 12, 31, 15, 30)],
        title="Aplikasi Uji KIR Kendaraan Bermotor Daring (e-KIR)",
        description="Pendaftaran dan pembayaran uji berkala kendaraan "
        "bermotor (KIR) secara daring, dengan antrean dan hasil uji "
        "digital di UPT PKB Dinas Perhubungan.",
        policy="SOP pelayanan pengujian kendaraan bermotor UPT PKB Dinas "
        "Perhubungan Kota Tangerang.",
        legal="PP 55/2012 tentang Kendaraan; Permenhub 19/2021 tentang "
        "Pengujian Berkala Kendaraan Bermotor.",
        requirements="Pemilik kendaraan mendaftar dan membayar daring; "
        "penguji mencatat hasil uji; kartu uji elektronik terbit.",
        inputs="Data kendaraan, pemilik, jadwal dan hasil uji.",
        outputs="Kartu uji elektronik (BLUe), rekap pengujian harian.",
        path=['register']),
    dict(key='incomplete', user='kadis.dinkes',
        checklist={
            20: "Alur bisnis belum memuat rujukan ke rumah sakit.",
            40: "KAK belum ditandatangani Kepala Dinas Kesehatan.",
            50: "Belum ada pernyataan kesediaan data dari RSUD.",
            },
        title="Sistem Informasi Kesehatan Ibu dan Anak (SI-KIA)",
        description="Pemantauan kehamilan, persalinan dan nifas dari "
        "Puskesmas sampai rumah sakit rujukan untuk menurunkan angka "
        "kematian ibu dan bayi.",
        policy="SOP pelayanan KIA Puskesmas Kota Tangerang.",
        legal="Permenkes 21/2021 tentang Penyelenggaraan Pelayanan "
        "Kesehatan Masa Sebelum Hamil, Masa Hamil, Persalinan, dan Masa "
        "Sesudah Melahirkan.",
        requirements="Bidan mencatat kunjungan; dokter Puskesmas melihat "
        "risiko tinggi; Dinkes memantau indikator KIA.",
        inputs="Data ibu hamil, kunjungan ANC, persalinan.",
        outputs="Daftar ibu hamil risiko tinggi, laporan PWS-KIA.",
        path=['register',
            ('mark_incomplete', {'missing_items':
                "1. Kerangka Acuan Kerja (KAK) belum ditandatangani Kepala "
                "Dinas Kesehatan.\n"
                "2. Rancangan alur bisnis belum memuat proses rujukan ke "
                "rumah sakit.\n"
                "3. Belum ada surat pernyataan kesediaan data dari RSUD "
                "Kota Tangerang."})]),
    dict(key='disposition', user='kabid.dishub',
        title="Pengembangan Aplikasi Uji KIR Online",
        kind='development', existing="e-KIR Dishub Kota Tangerang",
        develops="SI Uji Kendaraan Bermotor",
        description="Penambahan pendaftaran dan pembayaran uji berkala "
        "kendaraan bermotor secara daring serta kartu uji elektronik.",
        policy="SOP pengujian berkala kendaraan bermotor UPT PKB Dinas "
        "Perhubungan.",
        legal="PP 55/2012 tentang Kendaraan; Permenhub PM 19/2021 tentang "
        "Pengujian Berkala Kendaraan Bermotor.",
        requirements="Pemilik kendaraan mendaftar dan memilih jadwal; "
        "penguji mencatat hasil; kartu uji elektronik diterbitkan.",
        inputs="Data kendaraan, jadwal uji, hasil uji.",
        outputs="Kartu uji elektronik, rekap kendaraan lulus/tidak lulus.",
        path=['register', 'mark_complete']),
    dict(key='feasibility', user='kadis.dinkes',
        title="Aplikasi Pelaporan Kasus Demam Berdarah (Si-DBD)",
        description="Pelaporan cepat kasus DBD dari fasilitas kesehatan "
        "dan hasil pemantauan jentik oleh Jumantik.",
        policy="SOP penyelidikan epidemiologi DBD Dinas Kesehatan.",
        legal="Permenkes 45/2014 tentang Penyelenggaraan Surveilans "
        "Kesehatan.",
        requirements="Faskes melaporkan kasus dalam 24 jam; Jumantik "
        "mencatat angka bebas jentik; Dinkes memetakan sebaran kasus.",
        inputs="Laporan kasus, hasil PE, data angka bebas jentik.",
        outputs="Peta sebaran kasus, peringatan dini KLB per kelurahan.",
        path=['register', 'mark_complete',
            ('forward', {'step_note':
                "Mohon segera dianalisis, musim hujan sudah berjalan."})]),
    dict(key='feasibility_validation', user='camat.cipondoh',
        title="Sistem Informasi Data Kependudukan Kecamatan (SIDAK)",
        kind='development', existing="Tangerang LIVE",
        develops="SIMAK Kecamatan Cipondoh",
        description="Rekap mutasi penduduk tingkat RT/RW di Kecamatan "
        "Cipondoh sebagai modul di Tangerang LIVE.",
        policy="SOP pelaporan mutasi penduduk kelurahan ke kecamatan.",
        legal="UU 24/2013 tentang Administrasi Kependudukan.",
        requirements="Ketua RT melaporkan pendatang dan pindahan; "
        "kelurahan merekap; kecamatan melihat dasbor.",
        inputs="Laporan RT, data Disdukcapil (melalui SPLP).",
        outputs="Dasbor mutasi penduduk per kelurahan.",
        path=['register', 'mark_complete', 'forward',
            ('submit_feasibility', {
                'feasibility_analysis':
                "Layak dikembangkan sebagai modul Tangerang LIVE; data "
                "kependudukan wajib diambil melalui SPLP dari "
                "Disdukcapil, bukan basis data baru.",
                'feasibility_conclusion': 'feasible_notes'})]),
    dict(key='categorization', user='kabid.dishub',
        title="Dasbor Lalu Lintas Terpadu (ATCS Kota Tangerang)",
        description="Dasbor kepadatan lalu lintas dari kamera ATCS di 60 "
        "simpang untuk pengaturan lampu lalu lintas dan informasi warga.",
        policy="SOP pengoperasian Area Traffic Control System Dinas "
        "Perhubungan.",
        legal="UU 22/2009 tentang Lalu Lintas dan Angkutan Jalan; "
        "Permenhub PM 49/2014 tentang Alat Pemberi Isyarat Lalu Lintas.",
        requirements="Operator ATCS memantau simpang; warga melihat "
        "informasi kepadatan di Tangerang LIVE.",
        inputs="Aliran video dan sensor ATCS, data simpang.",
        outputs="Dasbor kepadatan, laporan kinerja simpang.",
        path=['register', 'mark_complete', 'forward',
            ('submit_feasibility', {
                'feasibility_analysis':
                "Sesuai arsitektur SPBE kota; infrastruktur kamera sudah "
                "tersedia di Pusat Data Pemkot.",
                'feasibility_conclusion': 'feasible'}),
            'approve_feasibility']),
    dict(key='technical_publik', user='kadis.dinkes',
        title="Aplikasi Antrean Online Puskesmas",
        description="Pendaftaran dan antrean poli di 38 Puskesmas secara "
        "daring, terhubung dengan SIMPUS.",
        policy="SOP pendaftaran pasien Puskesmas Kota Tangerang.",
        legal="Permenkes 43/2019 tentang Puskesmas; Permenkes 24/2022 "
        "tentang Rekam Medis.",
        requirements="Pasien mengambil nomor antrean dari ponsel; petugas "
        "loket memanggil; Kepala Puskesmas melihat waktu tunggu.",
        inputs="NIK/nomor BPJS pasien, pilihan poli dan jadwal.",
        outputs="Nomor antrean, estimasi waktu tunggu, laporan kunjungan.",
        path=['register', 'mark_complete', 'forward',
            ('submit_feasibility', {
                'feasibility_analysis':
                "Layak: layanan publik prioritas, mendukung indikator SPM "
                "kesehatan.",
                'feasibility_conclusion': 'feasible'}),
            'approve_feasibility',
            ('categorize', {'category': 'layanan_publik'})]),
    dict(key='technical_manajemen', user='camat.cipondoh',
        title="Aplikasi Persuratan Elektronik Kecamatan (e-Surat)",
        description="Naskah dinas masuk dan keluar, disposisi dan arsip "
        "surat di Kecamatan Cipondoh dan 10 kelurahannya.",
        policy="SOP tata naskah dinas Kecamatan Cipondoh.",
        legal="Perwal Kota Tangerang tentang Tata Naskah Dinas; "
        "PermenPANRB 7/2019 tentang Pengelolaan Arsip Elektronik.",
        requirements="Sekretaris camat mendisposisi; kelurahan menerima "
        "surat edaran; arsip dapat dicari.",
        inputs="Surat masuk (pindaian), surat keluar, disposisi.",
        outputs="Agenda surat, lembar disposisi, arsip elektronik.",
        path=['register', 'mark_complete', 'forward',
            ('submit_feasibility', {
                'feasibility_analysis':
                "Layak, dengan catatan agar memakai aplikasi persuratan "
                "kota yang sudah ada bila memungkinkan.",
                'feasibility_conclusion': 'feasible_notes'}),
            'approve_feasibility',
            ('categorize', {'category': 'manajemen_pemerintahan'})]),
    dict(key='technical_validation', user='kabid.dishub',
        title="Sistem Informasi Angkutan Umum dan Trayek (SIANTAR)",
        description="Pendataan angkutan kota, trayek dan izin "
        "penyelenggaraan angkutan di Kota Tangerang.",
        policy="SOP perizinan trayek angkutan kota Dinas Perhubungan.",
        legal="PP 74/2014 tentang Angkutan Jalan; Permenhub PM 15/2019.",
        requirements="Petugas Dishub mendata armada; pengusaha angkutan "
        "memperbarui data; pimpinan melihat rekap trayek.",
        inputs="Data armada, trayek, izin, hasil uji KIR.",
        outputs="Rekap armada per trayek, peringatan izin kedaluwarsa.",
        path=['register', 'mark_complete', 'forward',
            ('submit_feasibility', {
                'feasibility_analysis': "Layak; mendukung manajemen "
                "transportasi kota.",
                'feasibility_conclusion': 'feasible'}),
            'approve_feasibility',
            ('categorize', {'category': 'manajemen_pemerintahan'}),
            ('submit_technical', {
                'technical_analysis':
                "Aplikasi web (Laravel) di Pusat Data Pemkot, basis data "
                "PostgreSQL bersama, integrasi data KIR melalui SPLP, "
                "SSO Tangerang.",
                'technical_recommendation': 'build'}),
            ('approve_technical', {'step_note': "Arsitektur dan integrasi "
                "data KIR melalui SPLP sesuai standar aplikasi Pemkot."},
                'kabid.egov')]),
    # Step 8 before either validation: both Kabid find it in their queue.
    dict(key='technical_validation2', user='camat.cipondoh',
        title="Sistem Informasi Pemantauan Genangan Kecamatan Cipondoh",
        description="Laporan genangan dan banjir dari RT/RW dan kelurahan, "
        "dengan titik lokasi dan foto, untuk penanganan bersama BPBD dan "
        "Dinas PUPR.",
        policy="SOP penanganan genangan Kecamatan Cipondoh.",
        legal="Perda Kota Tangerang tentang Penanggulangan Bencana; "
        "Perwal tentang Sistem Drainase Kota.",
        requirements="Ketua RT/RW melapor genangan; kelurahan memverifikasi; "
        "kecamatan meneruskan ke BPBD dan PUPR; warga melihat status.",
        inputs="Lokasi, foto, ketinggian air, waktu kejadian.",
        outputs="Peta titik genangan, rekap per kelurahan, status "
        "penanganan.",
        path=['register', 'mark_complete', 'forward',
            ('submit_feasibility', {
                'feasibility_analysis': "Layak; mempercepat penanganan "
                "genangan di wilayah kecamatan.",
                'feasibility_conclusion': 'feasible'}),
            'approve_feasibility',
            ('categorize', {'category': 'layanan_publik'}),
            ('submit_technical', {
                'technical_analysis': "Aplikasi web responsif di Pusat "
                "Data Pemkot; peta dari layanan peta Pemkot; data laporan "
                "dibagi ke BPBD melalui SPLP.",
                'technical_recommendation': 'build'})]),
    dict(key='signing', user='kadis.dinkes',
        title="Pengembangan Aplikasi Tangerang Sehat",
        kind='development', existing="Tangerang Sehat",
        develops="Tangerang Sehat",
        description="Penambahan fitur telekonsultasi dan riwayat "
        "imunisasi anak pada aplikasi Tangerang Sehat.",
        policy="SOP pelayanan kesehatan Puskesmas; SOP imunisasi.",
        legal="Permenkes 20/2019 tentang Telemedisin; Permenkes 12/2017 "
        "tentang Imunisasi.",
        requirements="Warga berkonsultasi dengan dokter Puskesmas; orang "
        "tua melihat jadwal dan riwayat imunisasi anak.",
        inputs="Data pasien, jadwal dokter, catatan imunisasi.",
        outputs="Riwayat konsultasi, pengingat imunisasi.",
        path=['register', 'mark_complete', 'forward',
            ('submit_feasibility', {
                'feasibility_analysis': "Layak; pengembangan aplikasi "
                "yang sudah berjalan dan dipakai warga.",
                'feasibility_conclusion': 'feasible'}),
            'approve_feasibility',
            ('categorize', {'category': 'layanan_publik'}),
            ('submit_technical', {
                'technical_analysis': "Pengembangan modul pada kode "
                "Tangerang Sehat; video konsultasi memakai layanan "
                "konferensi Pemkot; data imunisasi dari SIMPUS.",
                'technical_recommendation': 'develop'}),
            ('approve_technical', {'step_note': "Pengembangan modul "
                "sesuai arsitektur Tangerang Sehat; data imunisasi dari "
                "SIMPUS melalui SPLP."}, 'kabid.egov'),
            ('approve_technical', {'step_note': "Kapasitas layanan "
                "konferensi Pemkot cukup; data kesehatan dienkripsi."},
                'kabid.sarpras')]),
    dict(key='signing_rejection', user='camat.cipondoh',
        assess={
            30: ('not_met', "Kebutuhan sudah dilayani aplikasi kolaborasi "
                "Pemkot yang disediakan untuk seluruh OPD."),
            40: ('not_met', "Duplikasi dengan aplikasi kolaborasi dan "
                "surel dinas yang sudah ada."),
            70: ('not_met', "Tidak ada anggaran pemeliharaan."),
            },
        title="Aplikasi Media Sosial Internal Kecamatan Cipondoh",
        description="Aplikasi percakapan dan berbagi informasi antarpegawai "
        "kecamatan dan kelurahan.",
        policy="Arahan Camat tentang koordinasi internal.",
        legal="Perpres 95/2018 tentang SPBE.",
        requirements="Pegawai berkirim pesan dan berbagi dokumen.",
        inputs="Pesan, dokumen, foto kegiatan.",
        outputs="Ruang percakapan per seksi.",
        path=['register', 'mark_complete', 'forward',
            ('submit_feasibility', {
                'feasibility_analysis':
                "Tidak layak: kebutuhan sudah dipenuhi aplikasi "
                "kolaborasi Pemkot yang tersedia untuk seluruh OPD; "
                "aplikasi baru menduplikasi layanan (Perpres 95/2018 "
                "pasal 3 huruf e, prinsip keterpaduan).",
                'feasibility_conclusion': 'not_feasible'}),
            ('reject_feasibility', {'step_note':
                "Disimpulkan ditolak: duplikasi aplikasi kolaborasi "
                "Pemkot. Kecamatan diarahkan memakai aplikasi yang ada."
                })]),
    dict(key='done_approved', user='kadis.dinkes',
        title="Sistem Informasi Manajemen Obat Puskesmas (SIMOP)",
        description="Pencatatan stok, permintaan dan distribusi obat dari "
        "Instalasi Farmasi ke Puskesmas.",
        policy="SOP pengelolaan obat Instalasi Farmasi Kota Tangerang.",
        legal="Permenkes 74/2016 tentang Standar Pelayanan Kefarmasian di "
        "Puskesmas.",
        requirements="Apoteker Puskesmas mengajukan permintaan (LPLPO); "
        "Instalasi Farmasi menyetujui dan mengirim.",
        inputs="Stok obat, LPLPO, data distribusi.",
        outputs="Laporan stok, peringatan obat kedaluwarsa.",
        path=['register', 'mark_complete', 'forward',
            ('submit_feasibility', {
                'feasibility_analysis': "Layak; belum ada aplikasi "
                "sejenis di Pemkot.",
                'feasibility_conclusion': 'feasible'}),
            'approve_feasibility',
            ('categorize', {'category': 'manajemen_pemerintahan'}),
            ('submit_technical', {
                'technical_analysis': "Dibangun di Pusat Data Pemkot "
                "dengan SSO Tangerang; integrasi SIMPUS melalui SPLP.",
                'technical_recommendation': 'build'}),
            ('approve_technical', {'step_note': "Sesuai arsitektur SPBE "
                "kota; integrasi SIMPUS melalui SPLP."}, 'kabid.egov'),
            ('approve_technical', {'step_note': "Dua VM tersedia di Pusat "
                "Data Pemkot; sertifikat elektronik BSrE siap."},
                'kabid.sarpras'),
            ('decide', {'decision': 'approved', 'decision_text':
                "Disetujui untuk dibangun oleh Bidang Pengembangan "
                "E-Government pada tahun anggaran berjalan."})]),
    dict(key='done_conditions', user='kabid.dishub',
        spbe_class='khusus',
        tech={
            'tech_architecture': "Fitur baru pada Tangerang LIVE: "
                "peta posisi bus dan perkiraan kedatangan (API GPS "
                "operator, basis data waktu nyata).",
            'tech_integration': "API GPS operator Si Benteng; SPLP untuk "
                "data halte dan trayek Dinas Perhubungan; Tangerang LIVE.",
            'tech_security_class': 'rendah',
            'tech_effort_days': 60,
            },
        title="Aplikasi Pelacakan Bus Si Benteng",
        description="Posisi bus Trans Kota Tangerang (Si Benteng) secara "
        "waktu nyata dan perkiraan kedatangan di halte.",
        policy="SOP operasional angkutan massal Si Benteng.",
        legal="Permenhub PM 27/2015 tentang Standar Pelayanan Minimal "
        "Angkutan Massal Berbasis Jalan.",
        requirements="Penumpang melihat posisi bus; operator memantau "
        "armada; Dishub menilai ketepatan waktu.",
        inputs="Data GPS armada, jadwal, halte.",
        outputs="Peta posisi bus, perkiraan kedatangan, laporan "
        "ketepatan waktu.",
        path=['register', 'mark_complete', 'forward',
            ('submit_feasibility', {
                'feasibility_analysis': "Layak; layanan publik "
                "transportasi prioritas RPJMD.",
                'feasibility_conclusion': 'feasible'}),
            'approve_feasibility',
            ('categorize', {'category': 'layanan_publik'}),
            ('submit_technical', {
                'technical_analysis': "Fitur baru di Tangerang LIVE; "
                "data GPS dari operator melalui API.",
                'technical_recommendation': 'reuse'}),
            ('approve_technical', {'step_note': "Tepat dibangun sebagai "
                "fitur Tangerang LIVE, tanpa aplikasi baru."}, 'kabid.egov'),
            ('approve_technical', {'step_note': "Wajib lolos uji penetrasi "
                "Bidang Persandian sebelum rilis."}, 'kabid.sarpras'),
            ('decide', {'decision': 'approved_conditions', 'decision_text':
                "1. Dibangun sebagai fitur Tangerang LIVE.\n"
                "2. Terintegrasi dengan SPLP.\n"
                "3. Lolos uji keamanan (penetration test) Bidang Persandian "
                "sebelum rilis."})]),
    dict(key='done_rejected', user='camat.cipondoh',
        assess={
            40: ('partly', "Presensi pegawai sudah tersedia pada "
                "aplikasi kepegawaian BKPSDM; perlu dikaji."),
            },
        tech={
            'tech_architecture': "Aplikasi seluler dengan pengenalan "
                "wajah di perangkat dan server pencocokan biometrik.",
            'tech_integration': "Akan menduplikasi data kehadiran pada "
                "aplikasi kepegawaian BKPSDM.",
            'tech_security_class': 'strategis',
            'tech_security_needs': "Data biometrik adalah data pribadi "
                "spesifik (UU 27/2022): wajib DPIA, enkripsi, dan "
                "penyimpanan terpisah; risiko tidak sebanding manfaat.",
            'tech_effort_days': 150,
            },
        title="Aplikasi Absensi Pegawai Kecamatan Berbasis Wajah",
        description="Presensi pegawai kecamatan dengan pengenalan wajah "
        "di ponsel.",
        policy="Arahan Camat tentang disiplin pegawai.",
        legal="PP 94/2021 tentang Disiplin PNS.",
        requirements="Pegawai melakukan presensi dari ponsel.",
        inputs="Foto wajah, lokasi, jam presensi.",
        outputs="Rekap kehadiran bulanan.",
        path=['register', 'mark_complete', 'forward',
            ('submit_feasibility', {
                'feasibility_analysis': "Layak secara kebutuhan.",
                'feasibility_conclusion': 'feasible_notes'}),
            'approve_feasibility',
            ('categorize', {'category': 'manajemen_pemerintahan'}),
            ('submit_technical', {
                'technical_analysis': "Presensi pegawai sudah dilayani "
                "aplikasi kepegawaian BKPSDM; data biometrik wajah "
                "menambah risiko pelindungan data pribadi.",
                'technical_recommendation': 'reject'}),
            ('reject_technical', {'step_note':
                "Disimpulkan ditolak: gunakan presensi aplikasi "
                "kepegawaian BKPSDM (UU 27/2022 PDP)."}, 'kabid.sarpras'),
            ('decide', {'decision': 'rejected', 'decision_text':
                "Ditolak. Presensi pegawai kecamatan menggunakan aplikasi "
                "kepegawaian BKPSDM yang sudah ada; pemrosesan data "
                "biometrik tidak sejalan dengan UU 27/2022 tentang "
                "Pelindungan Data Pribadi."})]),
    dict(key='revision', user='kadis.dinkes',
        title="Aplikasi Surveilans Gizi Balita (Si-Gizi)",
        description="Pemantauan status gizi balita dan intervensi "
        "stunting lintas Puskesmas.",
        policy="SOP percepatan penurunan stunting Kota Tangerang.",
        legal="Perpres 72/2021 tentang Percepatan Penurunan Stunting.",
        requirements="Petugas gizi mencatat pengukuran; tim percepatan "
        "melihat balita berisiko; Wali Kota melihat dasbor.",
        inputs="Data pengukuran balita (e-PPGBM), intervensi.",
        outputs="Dasbor prevalensi stunting, daftar sasaran intervensi.",
        path=['register', 'mark_complete', 'forward',
            ('submit_feasibility', {
                'feasibility_analysis': "Layak; mendukung program "
                "prioritas percepatan penurunan stunting.",
                'feasibility_conclusion': 'feasible'}),
            'approve_feasibility',
            ('categorize', {'category': 'layanan_publik'}),
            ('submit_technical', {
                'technical_analysis': "Aplikasi mandiri dengan basis "
                "data sendiri.",
                'technical_recommendation': 'build'}),
            ('revise_technical', {'step_note':
                "Perlu revisi: data pengukuran wajib diambil dari "
                "e-PPGBM Kemenkes melalui SPLP, jangan diinput ulang; "
                "lengkapi klasifikasi keamanan data."}, 'kabid.sarpras'),
            ('submit_technical', {
                'technical_analysis': "Revisi: dasbor di Pusat Data "
                "Pemkot, data diambil dari e-PPGBM melalui SPLP; data "
                "pribadi balita diklasifikasikan terbatas dan dienkripsi.",
                'technical_recommendation': 'build'}),
            ('approve_technical', {'step_note': "Revisi sudah mengambil "
                "data dari e-PPGBM melalui SPLP."}, 'kabid.egov'),
            ('approve_technical', {'step_note': "Klasifikasi keamanan data "
                "pribadi balita sudah lengkap."}, 'kabid.sarpras'),
            ('decide', {'decision': 'approved', 'decision_text':
                "Disetujui setelah revisi analisis teknis."})]),
    ]

# Who presses each button (the SOP's default reading, sop_data.xml).
ACTORS = {
    'register': 'tatakelola',
    'mark_complete': 'tatakelola',
    'mark_incomplete': 'tatakelola',
    'forward': 'kabid.egov',
    'submit_feasibility': 'tatakelola',
    'approve_feasibility': 'kabid.egov',
    'revise_feasibility': 'kabid.egov',
    'reject_feasibility': 'kabid.egov',
    'categorize': 'kabid.egov',
    'approve_technical': 'kabid.egov',
    'revise_technical': 'kabid.egov',
    'reject_technical': 'kabid.egov',
    'decide': 'kadis',
    }
TEAM = {
    'layanan_publik': 'katim.publik',
    'manajemen_pemerintahan': 'katim.manajemen',
    }
# How many days ago each demo request was submitted (for realistic dates).
AGE_DAYS = {
    'received': 0, 'received2': 0, 'completeness': 1, 'incomplete': 3,
    'disposition': 2, 'feasibility': 4, 'feasibility_validation': 6,
    'categorization': 7, 'technical_publik': 9, 'technical_manajemen': 8,
    'technical_validation': 12, 'technical_validation2': 11, 'signing': 14,
    'signing_rejection': 10,
    'done_approved': 30, 'done_conditions': 24, 'done_rejected': 20,
    'revision': 35,
    }


def _draft(spec):
    "The OPD user makes the request with its documents (proteus)"
    from proteus import Model
    Request = Model.get('egov.request')
    DocumentType = Model.get('egov.document.type')
    request = Request()
    request.kind = spec.get('kind', 'new')
    request.title = spec['title']
    request.description = spec['description']
    if request.kind == 'development':
        request.existing_application = spec['existing']
        # The OPD's application in the catalog (demo_catalog.py).
        request.developed_application, = Model.get('egov.application').find(
            [('name', '=', spec['develops'])])
    request.business_process_policy = spec['policy']
    request.legal_basis = spec['legal']
    request.user_requirements = spec['requirements']
    request.app_inputs = spec['inputs']
    request.app_outputs = spec['outputs']
    # The OPD's own letter: numbered in its register, dated a few days
    # before it is submitted.
    from egov_app_request import clock
    short = OPD_SHORT.get(request.opd.code, request.opd.code)
    today = (clock.now() + WIB).date()
    request.letter_number = (
        f"000.7/{sum(map(ord, spec['title'])) % 900 + 100}"
        f"/{short}/{today.year}")
    request.letter_date = today - dt.timedelta(days=2)
    field = ('required_new' if request.kind == 'new'
        else 'required_development')
    for type_ in DocumentType.find([(field, '=', True)]):
        document = request.documents.new()
        document.type = type_
        document.filename = f'{type_.code}_{short}.pdf'.replace(' ', '_')
        document.description = type_.name
        document.file = _pdf(f'{type_.name} - {spec["title"]}')
    request.save()
    return request.id


_CONFIGS = {}


def _as(login):
    """Play the next lines as this user.

    Like tools.login(), without reloading the pool for each switch
    (proteus.config.set_trytond initialises it again: ~1.5 s a time)."""
    from proteus import config as pconfig
    from trytond.transaction import Transaction
    config = _CONFIGS.get(login)
    if config is None:
        base = _CONFIGS[ADMIN_LOGIN]
        config = copy.copy(base)
        with Transaction().start(base.database_name, 0) as transaction:
            User = base.pool.get('res.user')
            with transaction.set_context(active_test=False):
                user, = User.search([('login', '=', login)])
            with transaction.set_user(user.id):
                context = User.get_preferences(context_only=True)
        config.user, config._user, config._context = user.id, login, context
        _CONFIGS[login] = config
    pconfig._CONFIG.current = config
    return config


# The structured content each step writes, as the Dinas would: the
# checklist items and feasibility criteria by their sequence (data), the
# texts from the request itself. A spec overrides with 'checklist',
# 'assess', 'spbe_class', 'category_reason' and 'tech'.
CHECKLIST_NOTES = {
    10: "Nomor {letter_number}, ditandatangani {submitter}.",
    20: "{policy}",
    30: "{legal}",
    40: "Kerangka Acuan Kerja terlampir.",
    50: "{inputs}",
    60: "{outputs}",
    70: "Dokumentasi {existing} terlampir.",
    }
CRITERIA_NOTES = {
    10: ("met", "Sesuai tugas dan fungsi {opd}. Dasar hukum: {legal}"),
    20: ("met", "Selaras dengan domain layanan Arsitektur SPBE Kota "
        "Tangerang (Kepwal 800/Kep.271-Kominfo/2023)."),
    30: ("met", "Belum ada Aplikasi Umum nasional yang melayani kebutuhan "
        "ini (Perpres 95/2018 pasal 35-36)."),
    40: ("met", "Tidak ditemukan aplikasi sejenis dalam inventaris "
        "aplikasi Pemerintah Kota Tangerang."),
    50: ("met", "Proses bisnis dan kebutuhan pengguna jelas: "
        "{requirements}"),
    60: ("met", "Data mengikuti standar Satu Data Indonesia; pertukaran "
        "data antar-OPD melalui SPLP."),
    70: ("partly", "Pembangunan dianggarkan pada DPA {opd} 2027; biaya "
        "pemeliharaan tahun berikutnya perlu dipastikan."),
    80: ("met", "Pemilik proses bisnis {opd}; operator ditunjuk dengan "
        "SK Kepala Perangkat Daerah."),
    }
TECH_DEFAULTS = {
    'tech_architecture': "Aplikasi web responsif (Laravel 11, PostgreSQL "
        "16) dengan API REST untuk aplikasi seluler; masuk dengan SSO "
        "Tangerang.",
    'tech_hosting': 'pusat_data',
    'tech_integration': "Melalui SPLP: data kependudukan (NIK) dari "
        "Disdukcapil; notifikasi lewat layanan pesan Pemkot; SSO "
        "Tangerang untuk pegawai.",
    'tech_security_class': 'tinggi',
    'tech_security_needs': "TLS 1.3, autentikasi dua faktor untuk "
        "administrator, enkripsi data pribadi, log audit, uji penetrasi "
        "oleh Bidang Persandian sebelum rilis (Peraturan BSSN 4/2021).",
    'tech_infrastructure': "2 VM di Pusat Data Pemkot (4 vCPU, 8 GB RAM, "
        "200 GB), basis data bersama terkelola, sertifikat elektronik "
        "BSrE, subdomain tangerangkota.go.id.",
    'tech_effort_days': 120,
    }


def _fill_step(request, spec, button):
    "What the step's role writes before pressing `button`"
    words = dict(
        letter_number=request.letter_number or '-',
        submitter=request.submitter.name if request.submitter else '-',
        opd=request.opd.name,
        policy=spec['policy'], legal=spec['legal'],
        requirements=spec['requirements'], inputs=spec['inputs'],
        outputs=spec['outputs'], existing=spec.get('existing', ''))
    if button in {'mark_complete', 'mark_incomplete'}:
        missing = spec.get('checklist', {}) if button == 'mark_incomplete' \
            else {}
        for line in request.checklist:
            sequence = line.item.sequence
            if sequence in missing:
                line.result = 'missing'
                line.note = missing[sequence]
            else:
                line.result = 'present'
                line.note = CHECKLIST_NOTES.get(sequence, '').format(
                    **words) or None
    elif button == 'submit_feasibility':
        assess = spec.get('assess', {})
        for line in request.feasibility_lines:
            sequence = line.criterion.sequence
            assessment, note = assess.get(
                sequence, CRITERIA_NOTES.get(sequence, ('met', '')))
            line.assessment = assessment
            line.note = note.format(**words)
        if request.kind == 'new' and not request.general_app_answer:
            # "Aplikasi Umum first": the analyst read the similar ones.
            similar = [d.application.name for d in request.duplicate_lines[:2]]
            request.general_app_answer = 'build'
            request.general_app_reason = (
                "Aplikasi serupa dalam katalog ({similar}) tidak memenuhi "
                "kebutuhan khusus {opd}: proses bisnis dan data berbeda."
                ).format(similar=', '.join(similar) or '-', opd=request.opd.name)
    elif button == 'categorize':
        request.spbe_class = spec.get('spbe_class', 'khusus')
        request.category_reason = spec.get('category_reason',
            "Aplikasi memenuhi kebutuhan khusus {opd} yang tidak "
            "disediakan Aplikasi Umum nasional; {what}.".format(
                opd=request.opd.name,
                what=("melayani masyarakat secara langsung"
                    if request.category.code == 'layanan_publik'
                    else "mendukung manajemen internal pemerintahan")))
    elif button == 'submit_technical':
        for name, value in {**TECH_DEFAULTS, **spec.get('tech', {})}.items():
            setattr(request, name, value)
    request.save()


def _play(request_id, button, values, actor, spec=None):
    from proteus import Model
    _as(actor)
    Request = Model.get('egov.request')
    request = Request(request_id)
    for name, value in values.items():
        if name == 'category':
            Category = Model.get('egov.category')
            value, = Category.find([('code', '=', value)])
        setattr(request, name, value)
    if spec is not None:
        _fill_step(request, spec, button)
    elif values:
        request.save()
    request.click(button)
    return request


# Working hours a step took in the demo, by the state the move ends.
STEP_HOURS = {
    'received': 0.25, 'completeness': 1.5, 'incomplete': 16,
    'disposition': 0.75, 'feasibility': 7, 'feasibility_validation': 1.5,
    'categorization': 0.5, 'technical': 8, 'technical_validation': 2,
    'signing': 3,
    }
SOURCE = {
    'register': 'received', 'mark_complete': 'completeness',
    'mark_incomplete': 'completeness', 'resubmit': 'incomplete',
    'forward': 'disposition', 'submit_feasibility': 'feasibility',
    'approve_feasibility': 'feasibility_validation',
    'revise_feasibility': 'feasibility_validation',
    'reject_feasibility': 'feasibility_validation',
    'categorize': 'categorization', 'submit_technical': 'technical',
    'approve_technical': 'technical_validation',
    'revise_technical': 'technical_validation',
    'reject_technical': 'technical_validation',
    'decide': 'signing',
    }
# The SOP standard (working minutes) of the step each open request is at.
STANDARD = {
    'received': 10, 'completeness': 60, 'disposition': 30,
    'feasibility': 450, 'feasibility_validation': 60, 'categorization': 30,
    'technical': 450, 'technical_validation': 60, 'signing': 180,
    }
# How much of its current step's standard each open request has used when
# the demo is built: some on time, some nearly late (80 % or more), some
# late. Requests with no current standard (paused, decided) are AGE_DAYS
# working days old.
USED_SHARE = {
    'received': 0.5, 'received2': 3.0, 'completeness': 0.9,
    'disposition': 2.0, 'feasibility': 0.85, 'feasibility_validation': 0.3,
    'categorization': 4.0, 'technical_publik': 0.5,
    'technical_manajemen': 1.3, 'technical_validation': 0.82,
    'technical_validation2': 0.35,
    'signing': 0.4, 'signing_rejection': 1.5,
    }
WIB = dt.timedelta(hours=7)  # Asia/Jakarta, no daylight saving time


def _timeline(spec, now):
    """The moments (naive UTC, as Tryton stores them) of the submission and
    of each move of `spec`, walked back from now in working time with the
    module's own calendar: the last move leaves the current step as much of
    its standard used as USED_SHARE says."""
    from egov_app_request.tests.tools import shipped_calendar
    if spec['path'] is None:
        return None
    if spec.get('at'):
        # Fixed moments (WIB), whatever the day the demo is built.
        return [m - WIB for m in spec['at']]
    calendar = shipped_calendar()
    moves = [m if isinstance(m, str) else m[0] for m in spec['path']]
    key = spec['key']
    state = next((s for s in sorted(STANDARD, key=len, reverse=True)
            if key.startswith(s)), None)
    if key in USED_SHARE and state:
        gap = round(USED_SHARE[key] * STANDARD[state])
    else:
        gap = AGE_DAYS.get(key, 1) * 450
    trailing = []
    if moves and moves[-1] == 'approve_technical' and (
            key == 'technical_validation'):
        # The first of the two validations leaves the step open: it came
        # half-way through the time used so far.
        trailing = [calendar.subtract(now + WIB, gap // 2)]
        moves = moves[:-1]
    moment = calendar.subtract(now + WIB, gap)
    moments = [moment]
    for button in reversed(moves):
        moment = calendar.subtract(
            moment, round(STEP_HOURS.get(SOURCE.get(button), 1) * 60))
        moments.insert(0, moment)
    return [m - WIB for m in moments + trailing]


class _Clock:
    """The demo's clock: the module reads the time through
    egov_app_request.clock.now, set here to replay each request's
    history at office pace in the past (deadlines and lateness included)."""

    def __init__(self):
        import egov_app_request.clock as module
        self.module = module
        self.real = module.now
        self.moments = []
        module.now = self.now

    def now(self):
        if self.moments:
            return self.moments[0]
        return self.real()

    def set(self, moments):
        self.moments = list(moments or [])

    def tick(self):
        if self.moments:
            self.moments.pop(0)


def _catalog():
    "The city's applications in the catalog, owned by their OPD"
    from proteus import Model

    from demo_catalog import applications
    Application = Model.get('egov.application')
    OPD = Model.get('egov.opd')
    opds = {o.code: o for o in OPD.find([])}
    records = []
    for values in applications():
        values = dict(values, opd=opds[values['opd']])
        records.append(Application(**values))
    Application.save(records)


def fill(database, configs):
    "Create the users and the requests (runs in the child process)"
    from proteus import Model
    from proteus import config as pconfig
    from egov_app_request.tests.tools import DEMO_PASSWORD, create_users

    _CONFIGS[ADMIN_LOGIN] = pconfig.set_trytond(
        database, user=ADMIN_LOGIN, config_file=configs)
    # Users: the admin and everybody speak Indonesian.
    create_users(password=DEMO_PASSWORD, language='id')
    User = Model.get('res.user')
    Lang = Model.get('ir.lang')
    lang, = Lang.find([('code', '=', 'id')])
    admin, = User.find([('login', '=', ADMIN_LOGIN)])
    admin.language = lang
    admin.save()
    # The demo is configured (languages loaded, users created): close the
    # items of the module configuration wizard, which trytond would
    # otherwise open at each login of the administrator (and sao 8.0 then
    # builds the menu twice, one copy not answering clicks).
    Item = Model.get('ir.module.config_wizard.item')
    items = Item.find([('state', '=', 'open')])
    for item in items:
        item.state = 'done'
    Item.save(items)
    # The provisional calendar of this year and the next (the daily job of
    # provisional.py): a year without its SKB still has its holidays.
    Cron = Model.get('ir.cron')
    job, = Cron.find([('method', '=', 'egov.holiday|fill_provisional')])
    job.click('run_once')
    # The Katalog Aplikasi of the city (demo_catalog.py).
    _catalog()

    clock = _Clock()
    now = clock.real()
    # The oldest first, so that the numbers follow the submission dates.
    for spec in sorted(REQUESTS, key=lambda s: (s['path'] is None,
                -AGE_DAYS.get(s['key'], 0))):
        timeline = _timeline(spec, now)
        clock.set(timeline and [timeline[0] - dt.timedelta(days=1)])
        _as(spec['user'])
        request_id = _draft(spec)
        if spec['path'] is None:
            continue
        clock.set(timeline)
        _play(request_id, 'submit', {}, spec['user'])
        category = None
        for move in spec['path']:
            if isinstance(move, str):
                move = (move, {})
            button, values, *actor = move
            category = values.get('category', category)
            if actor:
                actor, = actor
            elif button == 'submit_technical':
                actor = TEAM[category]
            else:
                actor = ACTORS[button]
            clock.tick()
            _play(request_id, button, values, actor, spec)
        clock.set(None)

    # Check: every state of the workflow has a request.
    _as(ADMIN_LOGIN)
    Request = Model.get('egov.request')
    states = {r.state for r in Request.find([])}
    expected = {'draft', 'received', 'completeness', 'incomplete',
        'disposition', 'feasibility', 'feasibility_validation',
        'categorization', 'technical', 'technical_validation', 'signing',
        'done'}
    assert states == expected, expected - states


if __name__ == '__main__' and sys.argv[1:2] == ['_fill']:
    sys.path.append(str(ROOT))
    fill(sys.argv[2], sys.argv[3:])
