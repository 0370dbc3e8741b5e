"""
Where uploaded files (pictures) are stored, read from the environment like the rest.

The settings call ``media()`` once; README.md, "Configuration", lists the variables.
"""

from pathlib import Path

from config.environment import env


def media(default_root: Path) -> tuple[str, Path, dict, list[str]]:
    """
    Where pictures are stored: MEDIA_URL, MEDIA_ROOT, the storage, and the
    origins pictures come from, for the Content Security Policy.

    The filesystem under DJANGO_MEDIA_ROOT by default (nginx serves /media/ under
    ``make serve``); an S3-compatible bucket when DJANGO_S3_BUCKET is set, through
    django-storages, with DJANGO_S3_ENDPOINT_URL (any S3-compatible server),
    DJANGO_S3_REGION, DJANGO_S3_CUSTOM_DOMAIN (a CDN in front) and the usual
    AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY read by boto3 itself.
    """
    root = env.path("DJANGO_MEDIA_ROOT", default_root)
    bucket = env.str("DJANGO_S3_BUCKET", "").strip()
    if not bucket:
        storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
        return "/media/", root, storage, []
    endpoint = env.str("DJANGO_S3_ENDPOINT_URL", "").strip().rstrip("/")
    domain = env.str("DJANGO_S3_CUSTOM_DOMAIN", "").strip().strip("/")
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint or None,
        "region_name": env.str("DJANGO_S3_REGION", "").strip() or None,
        "custom_domain": domain or None,
        # Public, unsigned addresses: pages are cached and shared, so links must not expire.
        "querystring_auth": False,
        "default_acl": None,
        "file_overwrite": False,
        # Names carry the content's hash (pictures/store.py): cache them for a year.
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }
    if domain:
        origin = f"https://{domain}"
    elif endpoint:
        origin = f"{endpoint}"
    else:
        origin = f"https://{bucket}.s3.amazonaws.com"
    if not domain and endpoint:
        # Path-style addresses on an S3-compatible server: <endpoint>/<bucket>/<name>.
        options["addressing_style"] = "path"
    storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    return f"{origin}/", root, storage, [origin]
