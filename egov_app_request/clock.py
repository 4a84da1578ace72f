"""The module's clock.

Every moment the module stores or compares with (submission, step start
and end, deadlines, documents' dates) is read through `now()`, called as
`clock.now()`: the tests and the demo set the time in this one place
(`patch('egov_app_request.clock.now')`), the demo to replay each request's
history in the past."""
import datetime as dt


def now():
    "Now, as Tryton stores it: naive UTC, to the second"
    return dt.datetime.now(dt.timezone.utc).replace(
        tzinfo=None, microsecond=0)
