"""The Nu HTML Checker (vnu-jar, run with Java) reports no error on the pages readers see."""

import json
import subprocess

import pytest

from tests.e2e.browsing import PAGES, show

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def nu_errors(vnu_jar, files) -> list[str]:
    """Run the checker once over these files; one line per error it reports."""
    result = subprocess.run(
        ["java", "-jar", str(vnu_jar), "--errors-only", "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout)["messages"]
    return [
        f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine')}: {message['message']}"
        for message in messages
        if message["type"] in {"error", "non-document-error"}
    ]


def test_pages_are_valid_html(open_context, seed_article, vnu_jar, tmp_path):
    """Home, bare article, threaded comments and form errors, as served: no errors."""
    files = []
    for name in PAGES:
        page = open_context().new_page()
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(show(page, name, seed_article))
    errors = nu_errors(vnu_jar, files)
    assert not errors, "\n".join(errors)


def test_checker_does_report_an_error(vnu_jar, tmp_path):
    """The check can fail: a stray end tag is an error."""
    broken = tmp_path / "broken.html"
    broken.write_text("<!doctype html><html lang=en><title>t</title><p>text</div>")
    assert nu_errors(vnu_jar, [broken]) == ["broken.html:1: Stray end tag “div”."]
