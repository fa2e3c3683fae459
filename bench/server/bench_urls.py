"""The product's URLs and /bench/ping/: the lightest view Django can serve through the same
middleware, the ceiling a booking POST is compared with."""

from django.http import HttpResponse
from django.urls import include, path


def ping(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/ping/", ping),
    path("", include("lixiong.urls")),
]
