# Pengajuan Aplikasi e-Government — Diskominfo Kota Tangerang.
# Classes are registered in tryton.cfg (Tryton 8.0 convention).

# The product's security policy (sessions, login attempts, passwords,
# request size): applied to trytond's configuration on import, which
# trytond does at Pool.start() in every process, before any request.
from . import security_policy

security_policy.install()
security_policy.hide_server_version()

from trytond.wsgi import app  # noqa: E402

security_policy.refuse_large_bodies(app)

# The OPD portal and the managers' board: HTTP routes registered
# on trytond's WSGI application when the module is imported.
from . import board, errors, portal  # noqa: E402,F401
