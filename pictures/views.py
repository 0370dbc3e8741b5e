"""
Pictures' files from the app itself, where no web server stands in front of it.

In development (``make run``, DEBUG) and wherever ``PICTURES_SERVED_BY_APP`` is
set (the browser tests' live server), ``/media/…`` is answered here from
MEDIA_ROOT. Under ``make serve`` nginx answers ``/media/`` before any request
reaches the app, and with S3 storage the addresses are the bucket's.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.static import serve

from pictures import conf


def media(request: HttpRequest, path: str) -> HttpResponse:
    if not (settings.DEBUG or conf.served_by_app()):
        raise Http404("Pictures are served by the web server.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
