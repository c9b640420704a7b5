"""One error hierarchy for everything that can go wrong talking to the helpdesk.

Views catch these: Unavailable and ProtocolError are "try again later" (the 503 page, with the
user's input kept), NotFound is the same 404 for missing and not-yours, Rejected carries a
message in the user's terms for the form field it concerns.
"""

from django.utils.translation import gettext_lazy as _

# The reference's error table: code -> (what it means, what a customer is told).
ERROR_CODES = {
    -1: ("The API username and password are not valid", _("The support system is not configured correctly. Please try again later.")),
    -2: ("An invalid email address was supplied", _("This email address is not valid.")),
    -3: ("A non-existent user was specified", _("The helpdesk does not know this email address yet.")),
    -4: ("The number per page is not numeric", _("Choose a valid number of tickets per page.")),
    -5: ("The page number is not numeric", _("Choose a valid page.")),
    -6: ("An invalid sort-by field was specified", _("Choose a valid sort order.")),
    -7: ("An incorrect password type was specified", _("The support system is not configured correctly. Please try again later.")),
    -8: ("An invalid department ID was specified", _("Choose one of the departments listed.")),
    -9: ("An invalid priority ID was specified", _("Choose one of the priorities listed.")),
    -10: ("Required ticket information was missing", _("Fill in your name, a subject and a message.")),
    -11: ("Required comment information was missing", _("Enter your name and a comment.")),
    -12: ("The reply specified was empty", _("Write a reply before sending it.")),
    -13: ("The specified ticket could not be found", _("We could not find that ticket.")),
    -14: ("The requested ticket is not owned by the specified user", _("We could not find that ticket.")),
    -15: ("The new email address specified is already in the database", _("Another customer of the helpdesk already uses this email address.")),
    -16: ("Both status and priority were empty", _("Choose a new status or priority.")),
    -17: ("A non-existent status was specified", _("Choose one of the statuses listed.")),
    -18: ("A non-existent priority was specified", _("Choose one of the priorities listed.")),
    -19: ("The specified attachment could not be found", _("We could not find that attachment.")),
    -20: ("The specified category could not be found", _("We could not find that category.")),
    -21: ("The specified article could not be found", _("We could not find that article.")),
    -22: ("The API was unable to fetch the submitted attachment", _("Your attachments could not be delivered to the helpdesk. Please attach them again.")),
    -23: ("A non-existent custom field group was specified", _("This field does not belong to the chosen department.")),
    -24: ("A non-existent custom field was specified", _("Choose one of the options listed.")),
    -25: ("An empty value was specified for a custom field marked as required", _("This field is required.")),
    -26: ("An incorrect typeid (ticket ID) value was specified", _("We could not find that ticket.")),
}
NOT_FOUND_CODES = frozenset({-13, -14, -19, -20, -21, -26})


class KayakoError(Exception):
    kind = "error"


class Unavailable(KayakoError):
    """The helpdesk could not be reached or did not answer in time."""

    kind = "unavailable"


class ProtocolError(KayakoError):
    """The helpdesk answered something that is not a valid reply."""

    kind = "protocol"


class Rejected(KayakoError):
    """The helpdesk answered with an error code of the API."""

    kind = "rejected"

    def __init__(self, code: int, operation: str = ""):
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
