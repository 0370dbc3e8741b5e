from django.contrib import admin
from django.urls import include, path

from blog import views

article_patterns = [
    path("", views.ArticleListView.as_view(), name="home"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="article"),
]

urlpatterns = [
    path("", include((article_patterns, "blog"))),
    path("", include("comments.urls")),
    path("admin/", admin.site.urls),
]
