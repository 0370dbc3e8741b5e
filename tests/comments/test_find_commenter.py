"""
Finding a commenter by email at the desk, without the address reaching a URL or a log.

A GET search puts its words in the query string, which access logs keep: the
desk looks addresses up with a POST, and the queue lists what it found under a
random token kept in the session. These tests are the attacker's view: they
read every URL the desk produces or redirects to, and every log line written.
"""

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, quote_plus

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views.debug import ExceptionReporter

from comments.desk import operations
from comments.encryption import email_hash
from comments.models import Comment
from comments.privacy.rights import NO_DATA
from tests.comments.conftest import CHANGELIST
from tests.conftest import logged_in
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

FIND = reverse("admin:comments_comment_find_commenter")
EMAIL = "Maya.Okafor@Example.net"


def forms_of_the_address(address: str) -> list[str]:
    """The address as it could appear in a URL or a line of text, lower-cased."""
    forms = {address, address.lower(), quote(address), quote_plus(address), quote(address.lower())}
    return sorted({form.lower() for form in forms} | {email_hash(address)})


def urls_in(response) -> list[str]:
    """Every URL a page links, posts or redirects to."""
    urls = [response.get("Location", "")]
    soup = BeautifulSoup(response.content, "html.parser")
    for tag in soup.find_all(True):
        for attribute in ("href", "action", "src", "formaction"):
            if tag.has_attr(attribute):
                urls.append(tag[attribute])
        if tag.name == "input" and tag.get("name") == "next":
            urls.append(tag.get("value", ""))
    return [url for url in urls if url]


class Captured(list):
    """Log lines as text; ``records`` holds the records themselves."""

    records: list[logging.LogRecord]


@contextmanager
def every_log_line() -> Iterator[Captured]:
    """Each record any logger writes, at every level, with its arguments and traceback."""
    lines = Captured()
    lines.records = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.records.append(record)
            lines.append(
                f"{record.name} {record.levelname} {record.getMessage()} {record.args!r} "
                f"{logging.Formatter().formatException(record.exc_info) if record.exc_info else ''}"
                f" {record.__dict__!r}"
            )

    handler = Keep(level=logging.NOTSET)
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    try:
        yield lines
    finally:
        for logger, level, disabled in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.disabled = disabled


@pytest.fixture
def mayas_comments(seed_article) -> list[Comment]:
    """Maya's comments in every status (two cases of her address), and someone else's."""
    CommentFactory(article=seed_article, author_email="sam@example.org", author_name="Sam")
    return [
        CommentFactory(article=seed_article, author_email=address, status=status)
        for address, status in [
            (EMAIL, Comment.Status.PENDING),
            (EMAIL.lower(), Comment.Status.APPROVED),
            (EMAIL, Comment.Status.SPAM),
            (EMAIL.upper(), Comment.Status.REMOVED),
        ]
    ]


def find(client, address: str, **extra):
    return client.post(FIND, {"email": address}, **extra)


def test_the_queue_offers_the_email_form_as_a_post(moderator_client):
    """Beside the search box: a POST form with the CSRF token."""
    soup = BeautifulSoup(moderator_client.get(CHANGELIST).content, "html.parser")
    form = soup.select_one("form#desk-find-commenter")
    assert (form["method"], form["action"]) == ("post", FIND)
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert form.select_one("input[name=email][type=email]")
    assert form.find_parent(id="toolbar") is not None


def test_finding_lists_every_comment_of_theirs_under_a_url_without_the_address(
    moderator_client, mayas_comments
):
    """Every status, nobody else's; no URL on the way or on the page holds the address."""
    response = find(moderator_client, f"  {EMAIL.lower()} ")
    assert response.status_code == 303
    location = response["Location"]
    assert location.startswith(f"{CHANGELIST}?commenter=")
    page = moderator_client.get(location)
    listed = {comment.pk for comment in page.context["cl"].result_list}
    assert listed == {comment.pk for comment in mayas_comments}
    assert [str(m) for m in page.context["messages"]] == ["4 comments were left with that address."]
    for url in [location, *urls_in(page)]:
        for form in forms_of_the_address(EMAIL):
            assert form not in url.lower(), url


def test_no_log_line_at_any_level_holds_the_address(moderator_client, mayas_comments, settings):
    """Every logger at DEBUG, SQL included (debug on): the address appears nowhere."""
    settings.DEBUG = True  # Django then logs every query with its parameters.
    with every_log_line() as lines, CaptureQueriesContext(connection) as queries:
        response = find(moderator_client, EMAIL)
        page = moderator_client.get(response["Location"])
    assert page.status_code == 200
    assert any("django.db.backends" in line for line in lines)  # The capture works.
    logged = "\n".join(lines).lower()
    sql = json.dumps([query["sql"] for query in queries]).lower()
    # The look-up itself filters on the keyed hash, which is not the address.
    for form in set(forms_of_the_address(EMAIL)) - {email_hash(EMAIL)}:
        assert form not in sql
        assert form not in logged


def test_a_crash_while_searching_reports_no_address(
    moderator, mayas_comments, monkeypatch, settings
):
    """The error report Django builds for a 500 (its email, its debug page) masks the address."""
    settings.DEBUG = False

    def broken(*args, **kwargs):
        raise RuntimeError("The session store is down.")

    monkeypatch.setattr("comments.desk.views.remember_commenter", broken)
    client = logged_in(moderator)
    client.raise_request_exception = False
    with every_log_line() as lines:
        response = find(client, EMAIL)
    assert response.status_code == 500
    assert any("The session store is down." in line for line in lines)
    record = next(r for r in lines.records if r.name == "django.request")
    report = ExceptionReporter(record.request, *record.exc_info).get_traceback_text()
    assert "session store is down" in report and "email" in report
    for form in set(forms_of_the_address(EMAIL)) - {email_hash(EMAIL)}:
        assert form not in report.lower()
        assert form not in "\n".join(lines).lower()


def test_the_get_search_box_no_longer_matches_addresses_and_says_where_to_go(
    moderator_client, mayas_comments
):
    """A term with "@": no match, and a note beside the box pointing to the email form."""
    page = moderator_client.get(CHANGELIST, {"q": EMAIL})
    assert list(page.context["cl"].result_list) == []
    soup = BeautifulSoup(page.content, "html.parser")
    note = soup.select_one("#searchbar-email-note")
    assert "Use “Find a commenter by email” instead." in note.get_text()
    assert "searchbar-email-note" in soup.select_one("#searchbar")["aria-describedby"]
    plain = moderator_client.get(CHANGELIST, {"q": "Maya"})
    assert "searchbar-email-note" not in plain.text


def test_a_malformed_address_is_refused_beside_the_field_and_kept(moderator_client, mayas_comments):
    """400, the sentence next to the field, the typed text still in it."""
    response = find(moderator_client, "maya at example")
    assert response.status_code == 400
    field = BeautifulSoup(response.content, "html.parser").select_one("input[name=email]")
    assert field["value"] == "maya at example"
    assert field.get("aria-invalid") == "true"
    assert "Please enter a whole email address" in field.find_parent("div").get_text()
    assert find(moderator_client, "").status_code == 400


def test_an_address_with_no_comments_is_said_so(moderator_client, mayas_comments):
    """No comments: the data-rights sentence beside the field; no redirect, no list."""
    response = find(moderator_client, "nobody@example.com")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert NO_DATA in soup.select_one("input[name=email]").find_parent("div").get_text()
    assert soup.select_one("input[name=email]")["value"] == "nobody@example.com"


def test_the_token_belongs_to_the_session_and_expires(
    moderator_client, moderator, mayas_comments, monkeypatch
):
    """Another session, or an hour later: nothing is listed, and the moderator is told why."""
    location = find(moderator_client, EMAIL)["Location"]
    elsewhere = logged_in(moderator).get(location)
    assert list(elsewhere.context["cl"].result_list) == []
    assert "has expired" in str(list(elsewhere.context["messages"])[0])

    later = operations.time.time() + operations.COMMENTER_SECONDS + 1
    monkeypatch.setattr(operations.time, "time", lambda: later)
    expired = moderator_client.get(location)
    assert list(expired.context["cl"].result_list) == []


def test_export_and_erase_work_from_the_list_found(superuser_client, mayas_comments):
    """The data-rights actions act on what was found; their pages and redirects hold no address."""
    location = find(superuser_client, EMAIL)["Location"]
    selected = {"_selected_action": [mayas_comments[0].pk]}
    export = superuser_client.post(location, {"action": "export_commenters", **selected})
    assert export["Content-Type"] == "application/json"
    assert len(json.loads(export.content)[0]["comments"]) == 4

    erase = superuser_client.post(location, {"action": "erase_commenters_keep_text", **selected})
    assert erase.status_code == 302 and erase["Location"] == location
    page = superuser_client.get(location)
    assert "Erased the personal data of 1 commenter (4 comments)." in page.text
    assert not Comment.objects.by_email(EMAIL).exists()
    assert len(page.context["cl"].result_list) == 4  # Still listed, now anonymous.


def test_staff_without_comment_permissions_cannot_search(staff_client, mayas_comments):
    """Being staff alone opens nothing."""
    assert find(staff_client, EMAIL).status_code == 403


def test_the_form_page_alone_looks_nothing_up(moderator_client):
    """GET shows the form; a GET with an address in it does not search."""
    page = moderator_client.get(FIND, {"email": EMAIL})
    assert page.status_code == 200
    assert page.context["form"].is_bound is False


def test_a_viewer_may_find_but_not_erase(mayas_comments):
    """view_comment alone: the list, but not the moderators' data-rights actions."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_comment"))
    client = logged_in(user)
    page = client.get(find(client, EMAIL)["Location"])
    assert len(page.context["cl"].result_list) == 4
    assert page.context["action_form"] is None
