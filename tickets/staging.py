"""Uploads staged for the helpdesk to fetch: stored under a 256-bit random token, offered at
PORTAL_PUBLIC_URL only while the worker's API call that hands them over runs (the portal's web
processes serve them, never waiting on the helpdesk), deleted once delivered."""

import mimetypes
import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import kayako
from common import pagecache
from common.uploads import usable_name

from .models import StagedUpload

MIME_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")


def owner_key(request) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if not request.session.session_key:
        request.session.save()
    return f"session:{request.session.session_key}"


# The parts of a customer's kept ticket pages (common.pagecache): the list (each of its pages and
# filters), and each ticket's own page.
LIST_PAGES = "list"
TICKET_PAGES = "ticket:{ticket_id}"


def tickets_changed(user_id: int, ticket_id: int | None = None) -> None:
    """A customer's tickets changed (a new one, or `ticket_id`): the kept pages that show it are
    dropped, the list's and that ticket's; the other tickets' pages stay."""
    parts = [LIST_PAGES, *([TICKET_PAGES.format(ticket_id=ticket_id)] if ticket_id else [])]
    pagecache.customer_changed(user_id, parts=parts)


def owner_changed(owner: str, ticket_id: int | None = None) -> None:
    """Something of the owner's changed (a submission of theirs stored, delivered or refused, to
    `ticket_id` if it has one): a customer's kept pages that show it are dropped (tickets_changed);
    a guest's are never kept."""
    kind, _, user_id = owner.partition(":")
    if kind == "user":
        tickets_changed(int(user_id), ticket_id)


def _mime_type(upload, name: str) -> str:
    declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if MIME_TYPE.match(declared):
        return declared
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def stage(request, upload) -> StagedUpload:
    name = usable_name(upload.name)  # never empty: the form refused such names
    token = secrets.token_urlsafe(32)
    path = default_storage.save(f"staging/{token}/{name}", upload)
    return StagedUpload.objects.create(
        token=token, owner=owner_key(request), name=name, mime_type=_mime_type(upload, name),
        size=upload.size, path=path,
    )


def owned(request, tokens: Iterable[str]) -> list[StagedUpload]:
    """The staged uploads among `tokens` that belong to this visitor (others' tokens are ignored)."""
    tokens = [t for t in tokens if t][: settings.TICKET_UPLOAD_MAX_FILES]
    if not tokens:
        return []
    return list(StagedUpload.objects.filter(owner=owner_key(request), token__in=tokens).order_by("id"))


@contextmanager
def offered(uploads: list[StagedUpload]) -> Iterator[list[kayako.NewAttachment]]:
    """The uploads as attachments for the API, fetchable only inside this block: withdrawn if it
    fails; if it succeeds, the helpdesk has them and the caller removes them at once (discard()),
    which ends the offer in the transaction that records the delivery (a withdrawal, then a deletion,
    were two more write transactions per delivery with files, each waiting for the database's lock)."""
    if not uploads:  # most submissions: no statement at all
        yield []
        return
    until = timezone.now() + timedelta(seconds=settings.STAGED_UPLOAD_OFFER_SECONDS)
    StagedUpload.objects.filter(pk__in=[u.pk for u in uploads]).update(offered_until=until)
    try:
        yield [
            kayako.NewAttachment(
                name=u.name, mime_type=u.mime_type,
                url=(settings.STAGED_FILES_URL or settings.PORTAL_PUBLIC_URL)
                + reverse("tickets:staged", args=[u.token, u.name]),
            )
            for u in uploads
        ]
    except BaseException:
        StagedUpload.objects.filter(pk__in=[u.pk for u in uploads]).update(offered_until=None)
        raise


def discard(uploads: Iterable[StagedUpload]) -> None:
    """Uploads no longer needed (delivered, given up, expired): their rows go with the caller's
    transaction (a delivery's bookkeeping: the offer ends with its commit), their files once it commits."""
    uploads = list(uploads)
    if not uploads:
        return
    StagedUpload.objects.filter(pk__in=[u.pk for u in uploads]).delete()
    paths = [u.path for u in uploads]
    transaction.on_commit(lambda: _delete_files(paths), robust=True)


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        default_storage.delete(path)


def discard_expired() -> None:
    """Uploads of forms never sent; those of a submission are kept while it is."""
    cutoff = timezone.now() - timedelta(seconds=settings.STAGED_UPLOAD_KEEP_SECONDS)
    discard(StagedUpload.objects.filter(created__lt=cutoff, entry=None).iterator())


def offered_upload(token: str) -> StagedUpload | None:
    return StagedUpload.objects.filter(token=token, offered_until__gt=timezone.now()).first()


def open_file(upload: StagedUpload):
    return default_storage.open(upload.path, "rb")
