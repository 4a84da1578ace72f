# Pengajuan Aplikasi e-Government — Diskominfo Kota Tangerang.
# Classes are registered in tryton.cfg (Tryton 8.0 convention).

# The OPD portal and the managers' board (issue 5): HTTP routes registered
# on trytond's WSGI application when the module is imported.
from . import board, errors, portal  # noqa: E402,F401
