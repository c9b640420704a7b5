"""One error hierarchy for everything that can go wrong talking to the helpdesk.

Views catch these: Unavailable (with NotSent and CircuitOpen, raised before any call) and
ProtocolError are "try again later" (the 503 page, with the user's input kept), NotFound is the
same 404 for missing and not-yours, Rejected carries a message in the user's terms for the form
field it concerns.
"""

from enum import IntEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ErrorCode(IntEnum):
    """The API's error codes, by name (the reference numbers them only)."""

    BAD_CREDENTIALS = -1
    INVALID_EMAIL = -2
    UNKNOWN_USER = -3
    INVALID_PER_PAGE = -4
    INVALID_PAGE = -5
    INVALID_SORT = -6
    INVALID_PASSWORD_TYPE = -7
    INVALID_DEPARTMENT = -8
    INVALID_PRIORITY = -9
    TICKET_FIELDS_MISSING = -10
    COMMENT_FIELDS_MISSING = -11
    EMPTY_REPLY = -12
    TICKET_NOT_FOUND = -13
    TICKET_NOT_OWNED = -14
    EMAIL_IN_USE = -15
    NO_STATUS_OR_PRIORITY = -16
    UNKNOWN_STATUS = -17
    UNKNOWN_PRIORITY = -18
    ATTACHMENT_NOT_FOUND = -19
    CATEGORY_NOT_FOUND = -20
    ARTICLE_NOT_FOUND = -21
    ATTACHMENT_FETCH_FAILED = -22
    UNKNOWN_CUSTOM_FIELD_GROUP = -23
    UNKNOWN_CUSTOM_FIELD = -24
    CUSTOM_FIELD_REQUIRED = -25
    INVALID_TICKET_ID = -26

# The reference's error table: code -> (what it means, what a customer is told).
# Keyed by int: ErrorCode members are ints, and a server may answer a code the reference lacks.
ERROR_CODES: dict[int, tuple[str, Promise]] = {
    ErrorCode.BAD_CREDENTIALS: ("The API username and password are not valid", _("The support system is not configured correctly. Please try again later.")),
    ErrorCode.INVALID_EMAIL: ("An invalid email address was supplied", _("This email address is not valid.")),
    ErrorCode.UNKNOWN_USER: ("A non-existent user was specified", _("The helpdesk does not know this email address yet.")),
    ErrorCode.INVALID_PER_PAGE: ("The number per page is not numeric", _("Choose a valid number of tickets per page.")),
    ErrorCode.INVALID_PAGE: ("The page number is not numeric", _("Choose a valid page.")),
    ErrorCode.INVALID_SORT: ("An invalid sort-by field was specified", _("Choose a valid sort order.")),
    ErrorCode.INVALID_PASSWORD_TYPE: ("An incorrect password type was specified", _("The support system is not configured correctly. Please try again later.")),
    ErrorCode.INVALID_DEPARTMENT: ("An invalid department ID was specified", _("Choose one of the departments listed.")),
    ErrorCode.INVALID_PRIORITY: ("An invalid priority ID was specified", _("Choose one of the priorities listed.")),
    ErrorCode.TICKET_FIELDS_MISSING: ("Required ticket information was missing", _("Fill in your name, a subject and a message.")),
    ErrorCode.COMMENT_FIELDS_MISSING: ("Required comment information was missing", _("Enter your name and a comment.")),
    ErrorCode.EMPTY_REPLY: ("The reply specified was empty", _("Write a reply before sending it.")),
    ErrorCode.TICKET_NOT_FOUND: ("The specified ticket could not be found", _("We could not find that ticket.")),
    ErrorCode.TICKET_NOT_OWNED: ("The requested ticket is not owned by the specified user", _("We could not find that ticket.")),
    ErrorCode.EMAIL_IN_USE: ("The new email address specified is already in the database", _("Another customer of the helpdesk already uses this email address.")),
    ErrorCode.NO_STATUS_OR_PRIORITY: ("Both status and priority were empty", _("Choose a new status or priority.")),
    ErrorCode.UNKNOWN_STATUS: ("A non-existent status was specified", _("Choose one of the statuses listed.")),
    ErrorCode.UNKNOWN_PRIORITY: ("A non-existent priority was specified", _("Choose one of the priorities listed.")),
    ErrorCode.ATTACHMENT_NOT_FOUND: ("The specified attachment could not be found", _("We could not find that attachment.")),
    ErrorCode.CATEGORY_NOT_FOUND: ("The specified category could not be found", _("We could not find that category.")),
    ErrorCode.ARTICLE_NOT_FOUND: ("The specified article could not be found", _("We could not find that article.")),
    ErrorCode.ATTACHMENT_FETCH_FAILED: ("The API was unable to fetch the submitted attachment", _("Your attachments could not be delivered to the helpdesk. Please attach them again.")),
    ErrorCode.UNKNOWN_CUSTOM_FIELD_GROUP: ("A non-existent custom field group was specified", _("This field does not belong to the chosen department.")),
    ErrorCode.UNKNOWN_CUSTOM_FIELD: ("A non-existent custom field was specified", _("Choose one of the options listed.")),
    ErrorCode.CUSTOM_FIELD_REQUIRED: ("An empty value was specified for a custom field marked as required", _("This field is required.")),
    ErrorCode.INVALID_TICKET_ID: ("An incorrect typeid (ticket ID) value was specified", _("We could not find that ticket.")),
}
NOT_FOUND_CODES = frozenset({
    ErrorCode.TICKET_NOT_FOUND, ErrorCode.TICKET_NOT_OWNED, ErrorCode.ATTACHMENT_NOT_FOUND,
    ErrorCode.CATEGORY_NOT_FOUND, ErrorCode.ARTICLE_NOT_FOUND, ErrorCode.INVALID_TICKET_ID,
})


class KayakoError(Exception):
    kind = "error"


class Unavailable(KayakoError):
    """The helpdesk could not be reached or did not answer in time."""

    kind = "unavailable"


class NotSent(Unavailable):
    """Refused before anything was sent: the circuit breaker is open, or the page has no time or
    call slot left for it. A write refused so can be sent again as it is."""

    kind = "not-sent"


class Unreached(Unavailable):
    """No connection to the helpdesk could be made (refused, or no answer to the connect): nothing
    was sent, so a write can be sent again as it is; unlike NotSent the helpdesk counts as failing."""

    kind = "unreached"


class CircuitOpen(NotSent):
    """The helpdesk failed several calls in a row: calls fail at once until a trial call succeeds."""

    kind = "circuit-open"


class ProtocolError(KayakoError):
    """The helpdesk answered something that is not a valid reply."""

    kind = "protocol"


class Rejected(KayakoError):
    """The helpdesk answered with an error code of the API."""

    kind = "rejected"

    def __init__(self, code: int, operation: str = "") -> None:
        try:
            self.code: ErrorCode | int = ErrorCode(code)
        except ValueError:  # a code the reference does not list: kept as a number
            self.code = code
        self.operation = operation
        self.meaning, self.user_message = ERROR_CODES.get(
            code, (f"Unknown error code {code}", _("The helpdesk refused this request. Please try again later."))
        )
        super().__init__(f"{operation}: {code} {self.meaning}")


class NotFound(Rejected):
    """Missing or someone else's: deliberately one error so the two cannot be told apart."""

    kind = "not-found"


def rejection(code: int, operation: str = "") -> Rejected:
    return (NotFound if code in NOT_FOUND_CODES else Rejected)(code, operation)
