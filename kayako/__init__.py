"""The service module: the only way the portal talks to the helpdesk (SOAP, through zeep).

Import it as a package: `import kayako`, then `kayako.get_department_list()`.
"""

from .breaker import Report as HelpdeskState
from .errors import (
    ERROR_CODES,
    CircuitOpen,
    ErrorCode,
    KayakoError,
    NotFound,
    NotSent,
    ProtocolError,
    Rejected,
    Unavailable,
    Unreached,
)
from .service import (
    SORT_KEYS,
    add_knowledge_base_article_comment,
    get_department_custom_fields,
    get_department_list,
    get_knowledge_base_article,
    get_knowledge_base_articles,
    get_knowledge_base_categories,
    get_priority_list,
    get_status_list,
    get_submitted_ticket,
    get_submitted_tickets,
    get_submitted_tickets_with_extra_restrictions,
    get_ticket_attachment,
    get_total_submitted_tickets,
    helpdesk_failing,
    helpdesk_state,
    invalidate,
    open_attachment_stream,
    page_from_live_data,
    page_scope,
    ping,
    post_ticket_reply,
    rate_knowledge_base_article,
    set_custom_field_value,
    stale_as_of,
    submit_ticket,
    update_email_address,
    update_ticket_properties,
)
from .signals import invalidated
from .types import (
    Article,
    ArticleSummary,
    AttachmentInfo,
    Breadcrumb,
    Category,
    CustomFieldDefinition,
    CustomFieldGroup,
    Department,
    NewAttachment,
    PostAttachment,
    Priority,
    Status,
    SubmittedTicket,
    Ticket,
    TicketSummary,
)
