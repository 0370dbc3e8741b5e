from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.perf.server import world_readable_folder


@pytest.fixture(scope="session")
def static_root() -> Path:
    """Static files collected once, hashed and compressed, where nginx's workers can read them."""
    root = world_readable_folder("relief-static-") / "static"
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    root.chmod(0o755)
    return root
