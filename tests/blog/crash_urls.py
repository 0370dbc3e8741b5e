"""A URLconf with a view that fails, to show the 500 page."""

from django.urls import path


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [path("crash/", crash)]
