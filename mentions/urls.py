"""The Webmention endpoint, which the article pages advertise."""

from django.urls import path

from mentions import views

app_name = "mentions"

urlpatterns = [path("webmention/", views.webmention, name="webmention")]
