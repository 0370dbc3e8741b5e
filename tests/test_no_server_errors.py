"""
No input gets a 500: every URL with any query string, every form field with any text.

Each named URL pattern of the project (the admin's included) is reversed with
real ids, then asked for with query strings hypothesis makes up, by a reader
and by a superuser; the comment form and the admin's forms are posted with
arbitrary Unicode in every field. Every answer must be below 500.
"""

from urllib.parse import quote, urlencode

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comments.models import Comment
from comments.section.forms import CommentForm
from tests.conftest import fresh_stamp, logged_in, reader
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any character a URL or a form can carry, "²" and other digits that are not ASCII included.
unicode_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60)
tricky = st.sampled_from(["²", "٣", "0", "-1", "1e9", "9" * 30, "", " ", "%", "\x00", "null"])
values = st.one_of(unicode_text, tricky)
# Names the site or the admin reads from a query string, beside made-up ones.
QUERY_KEYS = ["replytocom", "page", "p", "q", "o", "status", "e", "_changelist_filters",
              "article__id__exact", "created_at__gte", "all", "_to_field", "_popup",
              "author_of", "commenter"]  # fmt: skip
keys = st.one_of(unicode_text, st.sampled_from(QUERY_KEYS))
query_strings = st.one_of(
    st.dictionaries(keys, values, max_size=4).map(urlencode),
    # Raw bytes, percent-encoded: invalid UTF-8 in a query string too.
    st.binary(max_size=60).map(lambda data: quote(data, safe="=&")),
)


def route_names(patterns=None, namespace: str = "") -> list[tuple[str, list[str]]]:
    """Every named URL pattern, namespaced, with the names of the arguments it takes."""
    found = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += route_names(pattern.url_patterns, inner)
        elif pattern.name:
            arguments = getattr(pattern.pattern, "converters", None)
            if arguments is None or not arguments:
                arguments = pattern.pattern.regex.groupindex
            found.append((namespace + pattern.name, list(arguments)))
    return found


@pytest.fixture
def every_url(seed_article, superuser) -> list[str]:
    """Every named pattern reversed with ids of rows that exist."""
    comment = CommentFactory(article=seed_article)
    real = {
        "id": str(superuser.pk),
        "slug": seed_article.slug,
        "object_id": str(comment.pk),
        "app_label": "comments",
        "content_type_id": str(ContentType.objects.get_for_model(Comment).pk),
        "model_name": "comment",
        "url": "comments/comment/",
        "status": "approved",
        "what": "ip",
        "token": "an-undo-token-that-was-never-given",
        "comment_id": str(comment.pk),
        "page": "2",
    }
    urls = []
    for name, arguments in route_names():
        urls.append(reverse(name, kwargs={argument: real[argument] for argument in arguments}))
    return sorted(set(urls))


def test_every_named_pattern_is_reached(every_url):
    """The list the fuzzing below draws from holds every page of the site and the admin."""
    assert len(every_url) == len(route_names()) > 40
    for expected in ["/", "/comments/stamp/", "/admin/comments/comment/", "/sitemap.xml"]:
        assert expected in every_url


@FUZZ
@given(data=st.data())
def test_any_query_string_on_any_page_is_answered_below_500(every_url, superuser, data):
    """A reader and a superuser, any page, any query string: never a server error."""
    url = data.draw(st.sampled_from(every_url), label="url")
    query = data.draw(query_strings, label="query")
    for client in (reader(), logged_in(superuser)):
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, (url, query, response.status_code)


comment_fields = st.fixed_dictionaries(dict.fromkeys(CommentForm.base_fields, values))


@FUZZ
@given(fields=comment_fields, stamped=st.booleans())
def test_any_text_in_any_comment_field_is_answered_below_500(seed_article, fields, stamped):
    """Every field of the comment form, the hidden ones too, with anything at all."""
    browser = reader()
    if stamped:
        fields = {**fields, "issued": fresh_stamp(browser)}
    response = browser.post(reverse("comments:post", args=[seed_article.slug]), fields)
    assert response.status_code < 500, (fields, response.status_code)
    assert response.status_code in {200, 302, 400, 403, 409, 413, 429}


def as_wsgi_header(value: str) -> str:
    """What a WSGI server hands Django for a header sent in UTF-8: its bytes as Latin-1."""
    line = "".join(char for char in value if char not in "\r\n\x00")
    return line.encode().decode("latin-1")


# The request headers the site reads; a malformed one (an Origin or Referer that is
# not a URL, "http://[" among them) must be refused in a sentence, never a 500.
HEADER_NAMES = ["Sec-Fetch-Site", "Origin", "Referer", "User-Agent", "X-Forwarded-For",
                "If-None-Match", "Accept-Encoding", "Cookie"]  # fmt: skip
header_values = st.one_of(
    values,
    st.sampled_from(["http://[", "https://[::1", "http://a]b/", "//", "http://", "null"]),
    st.sampled_from(["http://testserver", "https://testserver/x"]).flatmap(
        lambda base: unicode_text.map(base.__add__)
    ),
).map(as_wsgi_header)
headers = st.dictionaries(st.sampled_from(HEADER_NAMES), header_values, max_size=4)


@FUZZ
@given(sent=headers)
def test_any_header_the_site_reads_is_answered_below_500(seed_article, sent):
    """The comment POST without Fetch Metadata falls back on Origin and Referer: any value."""
    browser = Client(headers=sent)
    data = {"author_name": "A", "author_email": "a@example.org", "body": "Hi"}
    response = browser.post(reverse("comments:post", args=[seed_article.slug]), data)
    assert response.status_code < 500, (sent, response.status_code)
    assert browser.get(seed_article.get_absolute_url()).status_code < 500, sent


ADMIN_FIELDS = ["status", "body", "author_name", "author_url", "hold_all", "link_limit",
                "moderation_words", "block_words", "trust_returning", "action",
                "_selected_action", "index"]  # fmt: skip


@FUZZ
@given(fields=st.fixed_dictionaries(dict.fromkeys(ADMIN_FIELDS, values)))
def test_any_text_in_the_admins_comment_forms_is_answered_below_500(seed_article, fields):
    """The moderation desk's change form, its list and the rules page, posted with anything."""
    client = logged_in(UserFactory(is_staff=True, is_superuser=True))
    comment = CommentFactory(article=seed_article)
    for url in (
        reverse("admin:comments_comment_change", args=[comment.pk]),
        reverse("admin:comments_moderationsettings_change", args=[1]),
        reverse("admin:comments_comment_changelist"),
    ):
        response = client.post(url, fields)
        assert response.status_code < 500, (url, fields, response.status_code)


@pytest.mark.parametrize("value", ["", "user", "permissions", "user_set", "name\x00"])
def test_a_to_field_naming_no_column_is_refused_with_400_not_500(superuser_client, value):
    """Django's admin trips on ``?_to_field=`` and on reverse relations; the site refuses them."""
    group = Group.objects.create(name="Editors")
    for url in (
        reverse("admin:auth_group_change", args=[group.pk]),
        reverse("admin:auth_group_changelist"),
        reverse("admin:comments_comment_changelist"),
    ):
        assert superuser_client.get(url, {"_to_field": value}).status_code == 400, url
    assert (
        superuser_client.get(
            reverse("admin:auth_group_changelist"), {"_to_field": "id"}
        ).status_code
        == 200
    )


@pytest.mark.parametrize("digit", ["²", "٣", "９", "1²"])
def test_digits_that_are_not_ascii_are_not_ids(client, seed_article, digit):
    """ "²" passes str.isdigit() and int() refuses it: the page and the form answer normally."""
    page = client.get(seed_article.get_absolute_url(), {"replytocom": digit})
    assert page.status_code == 200
    data = {"author_name": "A", "author_email": "a@example.org", "body": "Hi", "parent": digit}
    response = client.post(
        reverse("comments:post", args=[seed_article.slug]), {**data, "issued": fresh_stamp(client)}
    )
    assert response.status_code == 400
    assert "no longer available" in response.content.decode()
