from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from blog import feeds, views
from blog.sitemaps import SITEMAPS

article_patterns = [
    path("", views.ArticleListView.as_view(), name="home"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="article"),
    path("feed/", feeds.ArticlesFeed(), name="feed"),
    path("feed/atom/", feeds.ArticlesAtomFeed(), name="atom"),
    path("comments/feed/", feeds.CommentsFeed(), name="comments-feed"),
    path("articles/<slug:slug>/feed/", feeds.ArticleCommentsFeed(), name="article-feed"),
]

urlpatterns = [
    path("", include((article_patterns, "blog"))),
    path("", include("comments.urls")),
    path("admin/", admin.site.urls),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": SITEMAPS, "template_name": "blog/sitemap.xml"},
        name="sitemap",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("healthz", views.healthz, name="healthz"),
]

# A database or Redis outage gets the styled 503 instead of the 500 (blog/outage.py).
handler500 = "blog.outage.server_error"
