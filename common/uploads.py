"""Uploaded files' names: none is dropped without a word.

Django's multipart parser silently skips a file whose name it sanitises to nothing (`..`, `.`, a
name ending in `/`, `&#46;&#46;`, only unprintable characters): ten files sent, nine arrive, and
the form cannot tell. `KeepUnusableNamesHandler` (first in FILE_UPLOAD_HANDLERS) parses with a
parser that keeps such a file under the name UNUSABLE, and `usable_name` is the one rule a form
applies to every file's name: a file it gives nothing for is refused at the field with a message.
UNUSABLE is a name that the parser never gives a kept file otherwise (it removes unprintable
characters) and that `usable_name` reduces to nothing.
"""

from django import forms
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

UNUSABLE = "\x00"


class _KeepingParser(MultiPartParser):
    def sanitize_file_name(self, file_name):
        return super().sanitize_file_name(file_name) or UNUSABLE


class KeepUnusableNamesHandler(FileUploadHandler):
    """Parses the whole request with _KeepingParser and the other upload handlers; stores nothing itself."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        others = [handler for handler in self.request.upload_handlers if handler is not self]
        return _KeepingParser(META, input_data, others, encoding).parse()

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


def usable_name(name: str) -> str:
    """The last part of a path, reduced to characters that are safe everywhere (Django's rule); ""
    when nothing of it is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip(" .")
    try:
        return get_valid_filename(base)[-200:]
    except SuspiciousFileOperation:
        return ""


def validate_upload_name(upload) -> None:
    if not usable_name(upload.name):
        raise forms.ValidationError(
            _("A file has a name that cannot be used (such as “..” or a name of dots and spaces only). "
              "Rename it and attach it again."),
            code="unusable_name",
        )
