"""
Render nginx's own pages into the run folder, and say what nginx must know of Django.

``python -m deploy.pages RUN`` runs with the production settings, so the pages
link the stylesheet under its hashed name (the one collectstatic made): the
"temporarily unavailable" page (503, the app not answering) and the "too many
requests" page (429, a client over its limit). Its last line of output is
JSON: STATIC_ROOT, the folder nginx serves /static/ from; the security headers
nginx adds to what it serves itself (config/headers.py); PERSONAL_COOKIES,
the cookies that make a page a reader's own and send it past nginx's cache;
and the query parameters that are tracking ones or that pages read
(serving/query.py). deploy/stack.py runs it at every start: a deploy with a new
stylesheet gets pages that link it.
"""

import json
import os
import sys
from pathlib import Path

import django
from django.conf import settings
from django.template import loader

# Each page nginx serves itself, by its name in the run folder (deploy/nginx.conf).
PAGES = {".unavailable.html": "503_nginx.html", ".too-many-requests.html": "429_nginx.html"}


def main(run: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from config.headers import nginx_headers
    from serving.query import nginx_facts

    for name, template in PAGES.items():
        html = loader.get_template(template).render({"site_name": settings.SITE_NAME})
        (run / name).write_text(html, encoding="utf-8")
        (run / name).chmod(0o644)
    facts = {
        "static_root": str(settings.STATIC_ROOT),
        "personal_cookies": settings.PERSONAL_COOKIES,
        "headers": nginx_headers(),
        **nginx_facts(),
    }
    print(json.dumps(facts))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
