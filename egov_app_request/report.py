"Reports on requests (the SOP documents of each step come with issue 4)."
from trytond.report import Report


class RequestSummary(Report):
    "A one-page summary of a request and its step history"
    __name__ = 'egov.request.summary'
