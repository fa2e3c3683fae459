"""Where files people upload are kept: outside the static files and outside any URL the web
server serves, so each is handed out only by a view that checks who asks."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateFileStorage(FileSystemStorage):
    """A FileSystemStorage under settings.PRIVATE_MEDIA_ROOT, read on every use. A model field
    calls its storage callable once, at import; a location given to FileSystemStorage then is
    frozen for good, so a test's tmp dir (settings.PRIVATE_MEDIA_ROOT = ...) would be ignored
    and the seed and the tests would write into the checkout."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def private_files() -> FileSystemStorage:
    # A callable, so migrations do not freeze a machine's path.
    return PrivateFileStorage()
