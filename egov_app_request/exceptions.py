"Typed user errors; every text is an ir.message in message.xml."
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError
from trytond.res.exceptions import PasswordError


class IneligibleOrganizationError(ValidationError):
    "SOP warning 1: only an OPD may submit; UPT and Kelurahan go through it."


class IneligiblePositionError(ValidationError):
    "SOP warning 2: only the listed positions may submit."


class MissingInputError(ValidationError):
    "SOP step 1: an input or a required document is missing."


class StaleClickError(UserError):
    "The request is no longer where the user saw it: nothing was changed."


class WrongStepError(UserError):
    """A button of a step the request is not at, and has never been at:
    nothing was changed (a click on a request that has moved on from the
    step is a StaleClickError)."""


class AlreadyValidatedError(UserError):
    """A validator presses "Validate" again, or for a role another person
    has already validated: nothing was changed."""


class NotResponsibleError(AccessError):
    "The user is not in the group responsible for the current step."


class StepRequirementError(ValidationError):
    "A step's output (analysis, category, decision, reason…) is missing."


class ProtectedFieldError(AccessError):
    "A field that only the workflow may set was written directly."


class HistoryImmutableError(AccessError):
    "The step history is an audit trail: nobody edits it."


class DocumentLockedError(AccessError):
    "A submitted document is kept as it was: add a new one instead."


class UploadError(ValidationError):
    "An uploaded file is empty, too large or of a type that is not allowed."


class DeleteSubmittedError(AccessError):
    "A submitted request is never deleted."


class CalendarError(ValidationError):
    "The working calendar has no working hours"


class HolidayImportError(ValidationError):
    "A holiday file that cannot be read; nothing is imported"


class HolidayDecreeError(ValidationError):
    "A decree or a day whose decree does not fit"


class LetterFrozenError(AccessError):
    "An issued document is frozen: a correction issues a new version"


class ReportAccessError(AccessError):
    """A report asked with another report's template, on records of another
    kind, or an internal document asked by a user outside Diskominfo"""


class WeakPasswordError(PasswordError):
    "A password below the product's policy (forbidden list, entropy)"


class ThrottledError(UserError):
    "Too many requests created or documents uploaded in the last minute"


class SubstituteRankError(ValidationError):
    """A substitute (Plh. / Plt.) is the official themselves or holds a
    position more than one level below the official's (SE BKN
    1/SE/I/2021)."""


class AbsencePeriodError(ValidationError):
    "An absence ends before it starts, or overlaps another of the official."


class OwnRequestSubstitutionError(AccessError):
    """A substitute acts on a request of their own, or validates an analysis
    they wrote."""


class AbsenceOfficialError(AccessError):
    "A staff member records or changes the absence of another official."


class OfficialAbsentError(AccessError):
    """An official recorded absent acts on a step their substitute holds;
    they end the absence early first."""


class GeneralApplicationAnswerError(ValidationError):
    """SOP step 4: the "Aplikasi Umum first" answer of a request for a new
    application is missing or incomplete."""


class SopVersionInUseError(ValidationError):
    """A version of the SOP that requests follow is not edited in place: a
    change is a new version"""


class SopVersionInForceError(SopVersionInUseError):
    """The version of the SOP in force today (the one a request submitted
    now follows; the only one, when there is one) is not deleted"""
