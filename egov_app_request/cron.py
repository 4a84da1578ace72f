"""The module's scheduled jobs (ir.cron methods), registered in one place;
each method lives with its concept (the file named beside it)."""
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
            # notice.py
            ('egov.request.history|check_deadlines',
                "Check the Deadlines of e-Government Request Steps"),
            # filestore.py
            ('ir.filestore.queue|egov_remove_orphan_files',
                "Remove Orphan e-Government Files"),
            # provisional.py
            ('egov.holiday|fill_provisional',
                "Fill the Provisional Calendar"),
            ('egov.request|deliver_late_notices',
                "Deliver the e-Government Notices Still Queued"),
            # letter.py
            ('egov.request.letter|render_late',
                "Make the PDFs of Documents Still Being Prepared"),
            # calendar_notice.py
            ('egov.holiday|notify_next_year',
                "Tell the Administrators about Next Year's Calendar"),
            ])
