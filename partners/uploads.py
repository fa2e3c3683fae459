"""An upload handler that keeps at most the limit of a file on disk: a 2 GB "licence" must not
fill the server's temporary folder before the form can say it is too large. Installed for the
whole portal in settings.FILE_UPLOAD_HANDLERS: the NUL-byte middleware reads every form body
before any view could add a handler of its own."""

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class SizeLimitedUploadHandler(FileUploadHandler):
    """First in the chain. While a file stays within `limit` its chunks pass on to Django's own
    handlers; past it, the rest is counted and dropped, and the file arrives as its first bytes
    with its true size, so the form's size check answers with both numbers."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.PARTNER_UPLOAD_MAX_BYTES

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.size = 0
        self.head = b""

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if len(self.head) < 16:
            self.head += raw_data[: 16 - len(self.head)]
        if self.size > self.limit:
            return None  # the handlers after this one see no more of it
        return raw_data

    def file_complete(self, file_size):
        if self.size <= self.limit:
            return None  # within the limit: the next handler's file is the upload
        too_large = SimpleUploadedFile(self.file_name, self.head, self.content_type)
        too_large.size = self.size
        return too_large
