"""gunicorn configuration of the product (README, Production):

    TRYTOND_CONFIG=/etc/trytond.conf TRYTOND_DATABASE_NAMES=egov \\
    TRYTOND_LOGGING_CONFIG=/etc/trytond-logging.conf \\
        gunicorn -c /opt/egov/etc/gunicorn.conf.py

The security settings are not here nor in the site file: the module
applies the product's policy when trytond starts (egov_app_request/
security_policy.py). Environment: EGOV_BIND (default 127.0.0.1:8000, the
reverse proxy in front), EGOV_WORKERS (default 2 x cores + 1),
EGOV_THREADS (default 1)."""
import multiprocessing
import os

import gunicorn.http.wsgi

wsgi_app = 'trytond.application:app'
bind = os.environ.get('EGOV_BIND', '127.0.0.1:8000')
workers = int(os.environ.get(
        'EGOV_WORKERS', multiprocessing.cpu_count() * 2 + 1))
# Threads per worker (gthread when above 1); processes are trytond's usual
# way to use several cores, so 1 by default.
threads = int(os.environ.get('EGOV_THREADS', 1))
# Reports (PDF) and the letter register may take longer than 30 s.
timeout = 120
# The client's address comes from the proxy's X-Forwarded-For, read by
# trytond itself ([web] num_proxies in the site file), not by gunicorn.
forwarded_allow_ips = '127.0.0.1'
# Access log: to the reverse proxy; errors of gunicorn itself to stderr.
accesslog = None
errorlog = '-'

# The Server header names neither the WSGI server's version nor Python's
# ("Server: gunicorn" by default): only the product's neutral word.
gunicorn.http.wsgi.SERVER = 'egov'
