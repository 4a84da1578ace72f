"""Dates and moments as Indonesian readers write them, in the Dinas's time
zone: the documents, the dialogs after a step and the exports."""
from .workcalendar import to_local

MONTHS_ID = [
    'Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli',
    'Agustus', 'September', 'Oktober', 'November', 'Desember']
DAYS_ID = ['Senin', 'Selasa', 'Rabu', 'Kamis', 'Jumat', 'Sabtu', 'Minggu']


def format_date_id(date):
    "28 November 2026"
    if not date:
        return ''
    return f'{date.day} {MONTHS_ID[date.month - 1]} {date.year}'


def format_datetime_id(moment):
    """A stored (UTC) moment in the Dinas's time:
    Sabtu, 28 November 2026 09.15 WIB"""
    if not moment:
        return ''
    local = to_local(moment)
    return (f'{DAYS_ID[local.weekday()]}, {format_date_id(local)} '
        f'{local:%H.%M} WIB')


def local_date(moment):
    "The date, in the Dinas's time, of a stored (UTC) moment: 28 November 2026"
    return format_date_id(to_local(moment).date()) if moment else ''
