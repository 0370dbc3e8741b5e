"""
Render nginx's "temporarily unavailable" page into a file, and say where the static files are.

``python -m deploy.unavailable OUT`` runs with the production settings, so the
page links the stylesheet under its hashed name (the one collectstatic made);
it prints STATIC_ROOT, the folder nginx serves /static/ from. deploy/stack.py
runs it at every start: a deploy with a new stylesheet gets a page that links it.
"""

import os
import sys
from pathlib import Path

import django
from django.conf import settings
from django.template import loader


def main(out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blog.settings")
    django.setup()
    html = loader.get_template("503_nginx.html").render({"site_name": settings.SITE_NAME})
    out.write_text(html, encoding="utf-8")
    print(settings.STATIC_ROOT)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
