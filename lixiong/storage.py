"""Where files people upload are kept: outside the static files and outside any URL the web
server serves, so each is handed out only by a view that checks who asks."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateFileStorage(FileSystemStorage):
    """A folder read from settings.PRIVATE_MEDIA_ROOT each time it is used, not once at start:
    Django calls a FileField's storage callable when the model class is built, so a location
    fixed then would ignore a test's (or a deployment's later) setting."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def private_files() -> FileSystemStorage:
    # A callable, so migrations do not freeze a machine's path.
    return PrivateFileStorage(base_url=None)
