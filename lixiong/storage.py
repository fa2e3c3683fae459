"""Where files people upload are kept: outside the static files and outside any URL the web
server serves, so each is handed out only by a view that checks who asks."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_files() -> FileSystemStorage:
    # A callable, so migrations do not freeze a machine's path and tests can move it.
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)
