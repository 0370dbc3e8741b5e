"""
Render nginx's "temporarily unavailable" page into a file, and say what nginx must know of Django.

``python -m deploy.unavailable OUT`` runs with the production settings, so the
page links the stylesheet under its hashed name (the one collectstatic made).
Its last line of output is JSON: STATIC_ROOT, the folder nginx serves /static/
from, and PERSONAL_COOKIES, the cookies that make a page a reader's own and
send it past nginx's cache. deploy/stack.py runs it at every start: a deploy
with a new stylesheet gets a page that links it.
"""

import json
import os
import sys
from pathlib import Path

import django
from django.conf import settings
from django.template import loader


def main(out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    html = loader.get_template("503_nginx.html").render({"site_name": settings.SITE_NAME})
    out.write_text(html, encoding="utf-8")
    facts = {
        "static_root": str(settings.STATIC_ROOT),
        "personal_cookies": settings.PERSONAL_COOKIES,
    }
    print(json.dumps(facts))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
