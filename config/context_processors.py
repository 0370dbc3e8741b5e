from django.conf import settings


def site(request) -> dict[str, str]:
    """The site's name and absolute address, for every template."""
    return {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL}
