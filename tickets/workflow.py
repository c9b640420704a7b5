"""What the helpdesk's statuses mean for customers' own actions: Close, Reopen, and the reopening of
a closed ticket that its customer answers. The API says only whether a status is public; site
admins say the rest (models.TicketWorkflow, in the admin), and a status they have not named is
taken by its title (TICKETS_OPEN_STATUS_TITLES, TICKETS_CLOSED_STATUS_TITLES)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

import kayako

from .models import TicketWorkflow

Meaning = TicketWorkflow.Meaning


@dataclass(frozen=True)
class Workflow:
    meanings: dict[int, str]  # status id -> Meaning, for every status of the helpdesk
    close_status: kayako.Status | None  # what Close sets: the first public closed status
    reopen_status: kayako.Status | None  # what Reopen sets: the first public open status

    def is_closed(self, status_id: int) -> bool:
        return self.meanings.get(status_id) == Meaning.CLOSED

    def action_for(self, status_id: int) -> kayako.Status | None:
        """The one status change a customer is offered on a ticket in this status: Close, or Reopen."""
        return self.reopen_status if self.is_closed(status_id) else self.close_status

    def customer_statuses(self) -> tuple[kayako.Status, ...]:
        """Every status a customer may set: the Close and the Reopen status, nothing else."""
        return tuple(s for s in (self.close_status, self.reopen_status) if s is not None)


def meaning_by_title(title: str) -> str:
    folded = title.strip().casefold()
    for meaning, titles in ((Meaning.OPEN, settings.TICKETS_OPEN_STATUS_TITLES),
                            (Meaning.CLOSED, settings.TICKETS_CLOSED_STATUS_TITLES)):
        if folded in {t.strip().casefold() for t in titles}:
            return meaning
    return Meaning.OTHER


def stored_meanings() -> dict[int, str]:
    """What site admins said, by status id."""
    stored = TicketWorkflow.objects.filter(pk=TicketWorkflow.SINGLETON_ID).values_list("status_meanings", flat=True)
    return {int(status_id): meaning for status_id, meaning in (stored.first() or {}).items()
            if status_id.isdigit() and meaning in Meaning.values}


def workflow(statuses: Iterable[kayako.Status]) -> Workflow:
    """The workflow over the helpdesk's statuses (selectors.reference_data().statuses)."""
    ordered = sorted(statuses, key=lambda s: (s.order, s.id))
    stored = stored_meanings()
    meanings = {s.id: stored.get(s.id) or meaning_by_title(s.title) for s in ordered}

    def first_public(meaning: str) -> kayako.Status | None:
        return next((s for s in ordered if s.is_public and meanings[s.id] == meaning), None)

    return Workflow(meanings, first_public(Meaning.CLOSED), first_public(Meaning.OPEN))


def current() -> Workflow:
    return workflow(kayako.get_status_list())
