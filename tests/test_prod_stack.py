"""The production stack (README "Production").

The shipped files agree with the product's policy (always, in a second):
the site example carries no security section (the module applies it), the
nginx example limits uploads to the policy's 25 MiB, hides its version,
sends HSTS and sets (not appends) the forwarded headers that trytond's
ProxyFix reads with [web] num_proxies = 1; nginx accepts it when installed;
the systemd units start exactly what the README says.

The stack itself (`make prod-check`: PostgreSQL, gunicorn, one trytond-cron,
one trytond-worker, SMTP sink, nginx when installed; smoke test, a short
mixed load with no error, the cron's runs, e-mail at the sink, nothing left
running) takes about a minute with its database build: it runs in CI's
PostgreSQL pass (TRYTOND_DATABASE_URI=postgresql://...), where PostgreSQL
is up already, with a 5-second load; the SQLite pass skips it."""
import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'scripts'))


def test_site_example_leaves_security_to_the_module():
    from egov_app_request.security_policy import FLOORS
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / 'etc' / 'trytond.conf.example')
    sections = {section for section, _ in FLOORS}
    assert not sections & set(parser.sections())
    assert parser.getint('web', 'num_proxies') == 1
    assert parser.getboolean('database', 'list') is False
    assert parser.getboolean('queue', 'worker') is True
    # Strict sequences are locked without waiting: retried, not refused.
    assert parser.getint('database', 'retry') >= 20


def test_nginx_example_matches_the_policy():
    from egov_app_request.security_policy import FLOORS
    conf = (ROOT / 'deploy' / 'nginx' / 'egov.conf').read_text()
    size, = re.findall(r'^\s*client_max_body_size (\d+)m;', conf, re.M)
    limit, _ = FLOORS['request', 'max_size_authenticated']
    assert int(size) * 1024 * 1024 == limit
    assert re.findall(r'^\s*server_tokens off;', conf, re.M)
    assert re.search(r'add_header Strict-Transport-Security "max-age=\d+',
        conf)
    assert 'ssl_protocols TLSv1.2 TLSv1.3;' in conf
    # Each header ProxyFix reads is SET from nginx's own values.
    for header, value in [('X-Forwarded-For', '$remote_addr'),
            ('X-Forwarded-Proto', '$scheme'), ('X-Forwarded-Host', '$host'),
            ('X-Forwarded-Port', '$server_port'),
            ('X-Forwarded-Prefix', '""')]:
        assert f'proxy_set_header {header} {value};' in conf, header
    assert '$proxy_add_x_forwarded_for' not in conf


def test_nginx_accepts_the_example(tmp_path):
    nginx = shutil.which('nginx') or '/usr/sbin/nginx'
    if not Path(nginx).exists() or not shutil.which('openssl'):
        pytest.skip('nginx or openssl is not installed')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048',
            '-nodes', '-days', '1', '-subj', '/CN=localhost',
            '-keyout', str(tmp_path / 'privkey.pem'),
            '-out', str(tmp_path / 'fullchain.pem')], check=True,
        capture_output=True)
    site = (ROOT / 'deploy' / 'nginx' / 'egov.conf').read_text().replace(
        '/etc/ssl/egov', str(tmp_path))
    (tmp_path / 'egov.conf').write_text(site)
    (tmp_path / 'nginx.conf').write_text(
        f'pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n'
        f'events {{}}\nhttp {{ include {tmp_path}/egov.conf; }}\n')
    result = subprocess.run([nginx, '-t', '-p', str(tmp_path), '-c',
            str(tmp_path / 'nginx.conf')], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert 'syntax is ok' in result.stderr


def test_systemd_units():
    units = ROOT / 'deploy' / 'systemd'
    execs = {}
    for unit in units.glob('*.service'):
        parser = configparser.ConfigParser(strict=False,
            interpolation=None)
        parser.optionxform = str
        parser.read(unit)
        service = parser['Service']
        execs[unit.name] = service['ExecStart']
        assert service['User'] == 'tryton'
        for option, value in [('NoNewPrivileges', 'yes'),
                ('ProtectSystem', 'strict'), ('PrivateTmp', 'yes'),
                ('ProtectHome', 'yes')]:
            assert service[option] == value, (unit.name, option)
        assert service['ReadWritePaths'].split() == [
            '/var/lib/trytond', '/var/log/trytond']
    assert 'gunicorn -c /opt/egov/etc/gunicorn.conf.py' in (
        execs['egov-trytond.service'])
    assert execs['egov-trytond-cron.service'].split()[0].endswith(
        '/trytond-cron')
    assert execs['egov-trytond-worker.service'].split()[0].endswith(
        '/trytond-worker')
    # One site file everywhere: a second -c would replace the first.
    for command in execs.values():
        assert command.count(' -c ') == 1, command
        if 'gunicorn' not in command:
            assert '-c /etc/trytond.conf ' in command


@pytest.mark.skipif(
    not os.environ.get('TRYTOND_DATABASE_URI', '').startswith('postgresql'),
    reason="the stack check runs in the PostgreSQL pass (CI) or as "
    "`make prod-check`")
def test_prod_check(tmp_path):
    result = subprocess.run([sys.executable,
            str(ROOT / 'scripts' / 'prod_stack.py'), 'check',
            '--seconds', '5', '--clients', '3', '--workers', '2',
            '--database', f'egov_prodcheck_{os.getpid()}',
            '--workdir', str(tmp_path / 'prod')],
        capture_output=True, text=True, timeout=600,
        env={k: v for k, v in os.environ.items()
            if not k.startswith(('TRYTOND_', 'DB_'))})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert 'errors: 0' in output
    assert 'no process left' in output
    assert 'PASSED' in output
    assert 'trytond-worker made' in output  # a document's PDF after a press
    for address in ['/portal/login 200', '/board', 'web client']:
        assert address in output, address
