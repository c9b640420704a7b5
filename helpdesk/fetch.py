"""Downloading the attachments that API callers offer by URL, within strict limits.

Only http(s), only hosts listed in HELPDESK_ATTACHMENT_HOSTS, no redirects (a redirect could
lead anywhere), a timeout and a size cap. The content is spooled to a temporary file so that
memory stays flat whatever the size.
"""

import tempfile
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.utils.text import get_valid_filename

CHUNK_SIZE = 64 * 1024
SPOOL_IN_MEMORY_UP_TO = 1024 * 1024


class FetchError(Exception):
    pass


@dataclass
class Fetched:
    size: int = 0
    spool: tempfile.SpooledTemporaryFile = field(
        default_factory=lambda: tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_UP_TO)  # noqa: SIM115 - closed by close()
    )

    def as_file(self) -> File:
        self.spool.seek(0)
        return File(self.spool)

    def close(self) -> None:
        self.spool.close()


def safe_filename(name: str) -> str:
    """The last part of a path, reduced to characters that are safe everywhere (Django's rule)."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    try:
        return get_valid_filename(base.strip(" ."))[-200:]
    except SuspiciousFileOperation:  # nothing usable left
        return "attachment"


def fetch_url(url: str) -> Fetched:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("only http and https URLs are fetched")
    if parts.hostname.lower() not in {h.lower() for h in settings.HELPDESK_ATTACHMENT_HOSTS}:
        raise FetchError(f"host {parts.hostname!r} is not in HELPDESK_ATTACHMENT_HOSTS")
    limit = settings.HELPDESK_ATTACHMENT_MAX_BYTES
    fetched = Fetched()
    try:
        with requests.get(
            url, stream=True, allow_redirects=False, timeout=settings.HELPDESK_ATTACHMENT_FETCH_TIMEOUT
        ) as response:
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code}")
            for chunk in response.iter_content(CHUNK_SIZE):
                fetched.size += len(chunk)
                if fetched.size > limit:
                    raise FetchError("attachment larger than HELPDESK_ATTACHMENT_MAX_BYTES")
                fetched.spool.write(chunk)
    except requests.RequestException as error:
        fetched.close()
        raise FetchError(type(error).__name__) from None
    except FetchError:
        fetched.close()
        raise
    return fetched
