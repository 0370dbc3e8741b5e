"""The site's addresses: each app's, the admin, the sitemap, robots.txt and the health check."""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from blog.shared_pages import shared_page
from blog.sitemaps import SITEMAPS
from blog.views import site_version
from config.views import healthz, release_version
from pictures.views import media

# Every page but the admin and /healthz is the same for every reader (blog/shared_pages.py).
urlpatterns = [
    path("", include("blog.urls")),
    path("", include("comments.urls")),
    path("", include("search.urls")),
    path("", include("mentions.urls")),
    path("", include("federation.urls")),
    path("admin/", admin.site.urls),
    path(
        "sitemap.xml",
        shared_page(site_version)(sitemap),
        {"sitemaps": SITEMAPS, "template_name": "blog/sitemap.xml"},
        name="sitemap",
    ),
    path(
        "robots.txt",
        shared_page(release_version)(
            TemplateView.as_view(template_name="robots.txt", content_type="text/plain")
        ),
        name="robots",
    ),
    path("healthz", healthz, name="healthz"),
    # Pictures in development; nginx serves them under make serve (pictures/views.py).
    path("media/<path:path>", media, name="media"),
]

# A database or Redis outage gets the styled 503 instead of the 500 (config/errors.py).
handler500 = "config.errors.server_error"
