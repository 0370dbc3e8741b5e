"""The search page's address (register what it reads in serving/query.py)."""

from django.urls import path

from search import views

app_name = "search"

urlpatterns = [path("search/", views.results, name="results")]
