"""Next year's calendar, before it starts: from 1 October, while next year
has no confirmed calendar (no confirmed non-working day entered for it, only
provisional days or none: provisional.unconfirmed_years), the calendar
administrators (group_egov_admin, who manage egov.holiday) are told once a
week in the web client and by e-mail, and a warning shows on the calendar
forms and on the managers' board. It stops once the SKB of next year is
entered or imported. A year that starts without a confirmed calendar keeps
the warning and the notice until its SKB is entered."""
import datetime as dt
import json

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from . import provisional
from .provisional import unconfirmed_years

NOTICE_FROM = (10, 1)  # 1 October
NOTICE_EVERY = dt.timedelta(days=7)


def year_to_warn(today=None):
    """The year to warn about, or None: this year while its calendar is not
    confirmed (the SKB came too late: still told, every week); from
    1 October, next year while its calendar is not confirmed. `today` is by
    default the server's date."""
    today = today or provisional._today()
    if unconfirmed_years([today.year]):
        return today.year
    if (today.month, today.day) < NOTICE_FROM:
        return None
    year = today.year + 1
    return year if unconfirmed_years([year]) else None


def warning_text(language=None):
    "The warning of the calendar forms and the board, or None"
    year = year_to_warn()
    if year is None:
        return None
    context = {'language': language} if language else {}
    with Transaction().set_context(**context):
        return gettext(
            'egov_app_request.msg_calendar_next_year_warning', year=year)


class _Warning:
    "A form of the calendar shows the warning about next year"
    __slots__ = ()
    calendar_warning = fields.Function(
        fields.Char("Next Year's Calendar"), 'get_calendar_warning')

    @classmethod
    def default_calendar_warning(cls):
        return warning_text()

    @classmethod
    def get_calendar_warning(cls, records, name):
        text = warning_text()
        return {r.id: text for r in records}

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('//label[@name="calendar_warning"]', 'states', {
                    'invisible': ~Eval('calendar_warning'),
                    }),
            ]


class Configuration(_Warning, metaclass=PoolMeta):
    __name__ = 'egov.configuration'
    calendar_notice_sent = fields.Date(
        "Calendar Notice Sent", readonly=True,
        help="The last day the administrators were told that next year's "
        "calendar is not confirmed (at most once a week).")


class HolidayDecree(_Warning, metaclass=PoolMeta):
    __name__ = 'egov.holiday.decree'


class Holiday(_Warning, metaclass=PoolMeta):
    __name__ = 'egov.holiday'

    @classmethod
    def notify_next_year(cls):
        """Scheduled job (daily): from 1 October, while next year's calendar
        is not confirmed, the calendar administrators are told, at most once
        every 7 days (the day is remembered in the configuration, so that a
        restart does not send again). Returns the users told."""
        pool = Pool()
        Configuration = pool.get('egov.configuration')
        today = provisional._today()
        year = year_to_warn(today)
        if year is None:
            return []
        with without_check_access():
            config = Configuration(1)
            sent = config.calendar_notice_sent
            if sent and sent <= today < sent + NOTICE_EVERY:
                return []
            users = _administrators()
            days = cls.search([
                    ('date', '>=', dt.date(year, 1, 1)),
                    ('date', '<=', dt.date(year, 12, 31)),
                    ])
            for user in users:
                _tell(user, year, days)
            config.calendar_notice_sent = today
            config.save()
        return users


def _administrators():
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    group = ModelData.get_id('egov_app_request', 'group_egov_admin')
    return User.search([
            ('groups', '=', group),
            ('active', '=', True),
            ], order=[('id', 'ASC')])


def _tell(user, year, days):
    "The notice to `user`: in the web client and by e-mail, in its language"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    ActWindow = pool.get('ir.action.act_window')
    Template = pool.get('egov.email.template')
    Notice = pool.get('egov.notice')
    Notification = pool.get('res.notification')
    language = user.language.code if user.language else None
    with Transaction().set_context(language=language):
        label = gettext(
            'egov_app_request.msg_calendar_next_year_notice', year=year)
        description = gettext(
            'egov_app_request.msg_calendar_next_year_warning', year=year)
        # The provisional days of next year open from the notice; without
        # any, the list of non-working days.
        if days:
            target = {
                'model': 'egov.holiday',
                'records': json.dumps([d.id for d in days]),
                }
        else:
            target = {'action': ActWindow(ModelData.get_id(
                        'egov_app_request', 'act_holiday')).action.id}
        Transaction().user_notifications.append(Notification(
                user=user.id, icon='tryton-warning', label=label,
                description=description, **target))
        rendered = Template.render('calendar_next_year', {
                'year': year,
                'recipient': user.name,
                'days': len(days),
                })
    if rendered and user.email:
        Notice._email(user, *rendered)
