# Pengajuan Aplikasi e-Government — Diskominfo Kota Tangerang.
# Classes are registered in tryton.cfg (Tryton 8.0 convention).
