"""
Long discussions in pages: plain links, the same shared page for every reader,
and permalinks that follow a comment from page to page.
"""

import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from tests.blog.test_shared_pages import SHARED
from tests.comments.conftest import confirmed_mailbox
from tests.conftest import SITE_URL, logged_in, post_as, reader
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _three_per_page(settings):
    """Three top-level comments a page: small discussions that still page."""
    settings.COMMENTS_PER_PAGE = 3
    settings.COMMENTS_NEWEST_FIRST = False


def threads_of(article, count: int, replies: bool = True) -> list[Comment]:
    """``count`` top-level comments an hour apart, oldest first, each with one reply."""
    start = timezone.now() - timedelta(days=2)
    roots = []
    for number in range(count):
        at = start + timedelta(hours=number)
        root = CommentFactory(article=article, body=f"Thread {number + 1}.", created_at=at)
        if replies:
            CommentFactory(
                article=article,
                parent=root,
                body=f"Reply in thread {number + 1}.",
                created_at=at + timedelta(minutes=30),
            )
        roots.append(root)
    return roots


def page(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def threads_on(soup: BeautifulSoup) -> list[str]:
    """The text of each top-level comment on the page, in order."""
    return [
        item.select_one(":scope > .comment-body .comment-content").get_text(strip=True)
        for item in soup.select(".comment-list > li.comment")
    ]


def page_url(article, number: int) -> str:
    return reverse("blog:article-comment-page", args=[article.slug, number])


def test_a_long_discussion_is_paged_by_thread_oldest_first(client, seed_article):
    """Each page shows three threads whole, replies included; the article is the first page."""
    threads_of(seed_article, 7)
    first = page(client, seed_article.get_absolute_url())
    assert threads_on(first) == ["Thread 1.", "Thread 2.", "Thread 3."]
    assert "Reply in thread 3." in first.select_one(".comment-list").get_text()
    assert "Thread 4." not in first.get_text()
    assert threads_on(page(client, page_url(seed_article, 2))) == [
        "Thread 4.",
        "Thread 5.",
        "Thread 6.",
    ]
    last = page(client, page_url(seed_article, 3))
    assert threads_on(last) == ["Thread 7."]
    assert "Reply in thread 7." in last.get_text()
    # The count is the whole discussion's, on every page.
    for soup in (first, last):
        assert soup.select_one("#comments-title").get_text(strip=True) == "14 Comments"


def test_pages_link_to_each_other_with_plain_links(client, seed_article):
    """Previous, next and every page number are links that work without scripts."""
    threads_of(seed_article, 7)
    soup = page(client, page_url(seed_article, 2))
    nav = soup.select_one("nav.comment-navigation[aria-label='Comment pages']")
    links = {a.get_text(" ", strip=True): a["href"] for a in nav.select("a")}
    assert links["← Older comments"] == f"{seed_article.get_absolute_url()}#comments"
    assert links["Newer comments →"] == f"{page_url(seed_article, 3)}#comments"
    assert links["Page 1"] == f"{seed_article.get_absolute_url()}#comments"
    current = nav.select_one("a[aria-current=page]")
    assert current.get_text(" ", strip=True) == "Page 2"
    assert soup.select_one(".comment-page-note").get_text(strip=True) == "Page 2 of 3, oldest first"
    assert nav.select_one("a[rel=prev]") and nav.select_one("a[rel=next]")

    first = page(client, seed_article.get_absolute_url())
    assert not first.select("nav.comment-navigation a[rel=prev]")
    assert not page(client, page_url(seed_article, 3)).select("nav.comment-navigation a[rel=next]")


def test_many_pages_are_elided_around_the_current_one(client, seed_article, settings):
    """Forty pages: the first, the last and two either side of the current one."""
    settings.COMMENTS_PER_PAGE = 1
    threads_of(seed_article, 40, replies=False)
    nav = page(client, page_url(seed_article, 20)).select_one("nav.comment-navigation")
    numbers = [a.get_text(" ", strip=True) for a in nav.select("a") if "Page" in a.get_text()]
    assert numbers == ["Page 1", "Page 18", "Page 19", "Page 20", "Page 21", "Page 22", "Page 40"]
    assert len(nav.select(".comment-pages-gap")) == 2


def test_a_short_discussion_has_no_page_links(client, seed_article):
    """Three threads or fewer: one page, no navigation, no page note."""
    threads_of(seed_article, 3)
    soup = page(client, seed_article.get_absolute_url())
    assert not soup.select("nav.comment-navigation") and not soup.select(".comment-page-note")


def test_newest_first_puts_the_newest_threads_first_and_replies_still_read_down(
    client, seed_article, settings
):
    """The site setting reverses the threads, not the conversation inside each."""
    settings.COMMENTS_NEWEST_FIRST = True
    roots = threads_of(seed_article, 7)
    CommentFactory(
        article=seed_article,
        parent=roots[6],
        body="Second reply in thread 7.",
        created_at=roots[6].created_at + timedelta(minutes=45),
    )
    first = page(client, seed_article.get_absolute_url())
    assert threads_on(first) == ["Thread 7.", "Thread 6.", "Thread 5."]
    replies = [p.get_text(strip=True) for p in first.select(f"#comment-{roots[6].pk} .children p")]
    assert replies == ["Reply in thread 7.", "Second reply in thread 7."]
    assert threads_on(page(client, page_url(seed_article, 3))) == ["Thread 1."]
    nav = first.select_one("nav.comment-navigation")
    assert nav.select_one("a[rel=next]").get_text(strip=True) == "Older comments →"
    assert first.select_one(".comment-page-note").get_text(strip=True) == (
        "Page 1 of 3, newest first"
    )


def test_every_page_is_the_same_shared_page_for_every_reader(seed_article):
    """Byte-identical for two readers, public, its own ETag, 304 on revalidation, no cookie."""
    threads_of(seed_article, 7)
    commenter = reader()
    post_as(commenter, seed_article, {"author_name": "A", "author_email": "a@x.org", "body": "x"})
    Comment.objects.filter(body="x").update(
        status=Comment.Status.APPROVED, created_at=timezone.now() - timedelta(hours=1)
    )
    commenter.get(seed_article.get_absolute_url())  # Its pending cookie is settled, gone.
    tags = set()
    for number in (2, 3):
        url = page_url(seed_article, number)
        first, second = reader().get(url), commenter.get(url)
        assert first.content == second.content
        assert first["Cache-Control"] == second["Cache-Control"] == SHARED
        assert not first.cookies and not second.cookies
        assert "cookie" not in first.get("Vary", "").lower()
        assert "csrfmiddlewaretoken" not in first.content.decode()
        assert reader().get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
        tags.add(first["ETag"])
    tags.add(reader().get(seed_article.get_absolute_url())["ETag"])
    assert len(tags) == 3


def test_a_page_changes_its_etag_when_the_discussion_does(client, seed_article):
    """A comment approved anywhere moves every page's count: no page is served stale."""
    threads_of(seed_article, 7)
    url = page_url(seed_article, 2)
    before = client.get(url)
    CommentFactory(article=seed_article, body="Newest.")
    after = client.get(url, headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert "15 Comments" in after.content.decode()


@pytest.mark.parametrize("number", [4, 99, 999999])
def test_a_page_past_the_last_leads_to_the_last(client, seed_article, number):
    """A link to a page that no longer exists (comments removed since) opens the last one."""
    threads_of(seed_article, 7)
    response = client.get(page_url(seed_article, number))
    assert response.status_code == 302
    assert response["Location"] == page_url(seed_article, 3)


def test_a_page_past_a_one_page_discussion_leads_to_the_article(client, seed_article):
    """No comments at all: any later page is the article."""
    response = client.get(page_url(seed_article, 2))
    assert response.status_code == 302
    assert response["Location"] == seed_article.get_absolute_url()


def test_page_one_is_the_article_itself(client, seed_article):
    """``comment-page-1/`` moves for good to the article's own address: one address per page."""
    response = client.get(page_url(seed_article, 1))
    assert response.status_code == 301
    assert response["Location"] == seed_article.get_absolute_url()


@pytest.mark.parametrize(
    "ending", ["comment-page-0/", "comment-page-02/", "comment-page-two/", "comment-page-²/",
               "comment-page-1234567/", "comment-page--1/", "comment-page-/"],
)  # fmt: skip
def test_a_page_number_that_is_not_one_is_a_404(client, seed_article, ending):
    """Not a page number as this site writes them: not found, never a 500."""
    threads_of(seed_article, 7)
    response = client.get(f"{seed_article.get_absolute_url()}{ending}")
    assert response.status_code == 404


def test_page_numbers_on_an_unknown_or_draft_article_are_404(client):
    """Paging never reveals an article the public may not read."""
    draft = ArticleFactory(status="draft")
    CommentFactory.create_batch(5, article=draft)
    assert client.get(page_url(draft, 2)).status_code == 404
    assert client.get("/articles/no-such-article/comment-page-2/").status_code == 404


def test_structured_data_counts_every_comment_and_lists_only_this_page(client, seed_article):
    """commentCount is the discussion's; the Comment items are the page's, and nothing else."""
    threads_of(seed_article, 7)
    CommentFactory(article=seed_article, status="pending", body="Held, never listed.")
    for url, expected in [
        (seed_article.get_absolute_url(), {"Thread 1.", "Thread 2.", "Thread 3."}),
        (page_url(seed_article, 3), {"Thread 7."}),
    ]:
        data = json.loads(page(client, url).select_one("script[type='application/ld+json']").string)
        assert data["commentCount"] == 14
        texts = {item["text"] for item in data["comment"]}
        assert texts == expected
        # Each thread's reply inside it.
        assert all(len(item["comment"]) == 1 for item in data["comment"])


@pytest.mark.usefixtures("site_url")
def test_later_pages_have_their_own_canonical_address_and_title(client, seed_article, settings):
    """Search engines index each page as itself; its title says which page it is."""
    threads_of(seed_article, 7)
    soup = page(client, page_url(seed_article, 2))
    assert soup.select_one("link[rel=canonical]")["href"] == (
        f"{SITE_URL}{page_url(seed_article, 2)}"
    )
    assert soup.title.get_text() == f"{seed_article.title} – comments, page 2 – Relief Notes"
    first = page(client, seed_article.get_absolute_url())
    assert first.select_one("link[rel=canonical]")["href"] == seed_article.get_full_url().replace(
        "http://127.0.0.1:8000", SITE_URL
    )
    assert first.title.get_text() == f"{seed_article.title} – Relief Notes"


def test_reply_links_and_cancel_stay_on_the_page_of_the_comment(client, seed_article):
    """Without scripts, replying to a comment on page 2 keeps the reader on page 2."""
    roots = threads_of(seed_article, 7)
    soup = page(client, page_url(seed_article, 2))
    link = soup.select_one(f"#comment-{roots[4].pk} .comment-reply-link")
    assert link["href"] == f"{page_url(seed_article, 2)}?replytocom={roots[4].pk}#respond"
    replying = page(client, link["href"])
    assert replying.select_one("#reply-title").get_text(strip=True) == (
        f"Leave a Reply to {roots[4].author_name}"
    )
    assert replying.select_one("input[name=parent]")["value"] == str(roots[4].pk)
    assert replying.select_one("#cancel-comment-reply-link")["href"] == (
        f"{page_url(seed_article, 2)}#respond"
    )


def test_a_new_comment_leads_its_author_to_the_page_that_shows_it(client, seed_article):
    """Held, it joins the last page, shown there to its author alone; the others do not move."""
    threads_of(seed_article, 6)
    data = {"author_name": "Kai", "author_email": "kai@example.net", "body": "Mine, held."}
    response = post_as(client, seed_article, data)
    comment = Comment.objects.get(body="Mine, held.")
    # Six approved threads fill two pages: the held seventh waits on the last there is.
    assert response["Location"] == f"{page_url(seed_article, 2)}#comment-{comment.pk}"
    own = page(client, page_url(seed_article, 2))
    assert threads_on(own) == ["Thread 4.", "Thread 5.", "Thread 6.", "Mine, held."]
    assert "Mine, held." not in reader().get(page_url(seed_article, 2)).content.decode()

    comment.status = Comment.Status.APPROVED
    comment.save()
    assert reader().get(page_url(seed_article, 3)).status_code == 200


def test_a_reply_leads_its_author_to_the_page_of_its_thread(client, seed_article):
    """A reply to a comment on page 1 is shown under it, on page 1."""
    roots = threads_of(seed_article, 7)
    data = {"author_name": "Kai", "author_email": "kai@example.net", "body": "Reply, held."}
    response = post_as(client, seed_article, {**data, "parent": roots[0].pk})
    comment = Comment.objects.get(body="Reply, held.")
    assert response["Location"] == f"{seed_article.get_absolute_url()}#comment-{comment.pk}"


def test_a_reply_with_errors_shows_the_page_of_the_comment_it_answers(client, seed_article):
    """The form comes back with its errors beside the thread the reader was answering."""
    roots = threads_of(seed_article, 7)
    data = {"author_name": "", "author_email": "kai@example.net", "body": "Kept text."}
    response = post_as(client, seed_article, {**data, "parent": roots[5].pk})
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    assert threads_on(soup) == ["Thread 4.", "Thread 5.", "Thread 6."]
    assert soup.select_one("textarea[name=body]").get_text().strip() == "Kept text."


def test_no_paging_when_comments_per_page_is_zero(client, seed_article, settings):
    """0 turns paging off: every thread on the article's page."""
    settings.COMMENTS_PER_PAGE = 0
    threads_of(seed_article, 7)
    assert len(threads_on(page(client, seed_article.get_absolute_url()))) == 7
    assert client.get(page_url(seed_article, 2))["Location"] == seed_article.get_absolute_url()


# Permalinks ----------------------------------------------------------------


def test_a_permalink_follows_its_comment_from_page_to_page(client, seed_article):
    """``/comments/<id>/`` leads to the page and anchor that hold the comment now."""
    roots = threads_of(seed_article, 7)
    moving = roots[4]
    response = client.get(moving.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(seed_article, 2)}#comment-{moving.pk}"
    assert client.get(response["Location"]).status_code == 200

    for earlier in roots[:3]:
        earlier.delete()
    response = client.get(moving.get_absolute_url())
    assert response["Location"] == f"{seed_article.get_absolute_url()}#comment-{moving.pk}"


def test_a_replys_permalink_leads_to_the_page_of_its_thread(client, seed_article):
    """A reply is on its thread's page, however late it came."""
    roots = threads_of(seed_article, 7)
    late = CommentFactory(article=seed_article, parent=roots[1], body="Late reply.")
    deeper = CommentFactory(article=seed_article, parent=late, body="Deeper.")
    for comment in (late, deeper):
        location = client.get(comment.get_absolute_url())["Location"]
        assert location == f"{seed_article.get_absolute_url()}#comment-{comment.pk}"


@pytest.mark.parametrize("status", ["pending", "spam", "removed"])
def test_a_permalink_to_a_comment_the_public_cannot_see_is_a_404(client, seed_article, status):
    """A guessed id of a held, spam or removed comment reveals nothing: as if it never existed."""
    hidden = CommentFactory(article=seed_article, status=status, body="Not for you.")
    response = client.get(hidden.get_absolute_url())
    assert response.status_code == 404
    assert "Not for you." not in response.content.decode()
    assert response.status_code == client.get("/comments/987654/").status_code


def test_a_permalink_to_a_comment_on_a_draft_is_a_404(client):
    """Approved, but on an article the public cannot read yet."""
    comment = CommentFactory(article=ArticleFactory(status="draft"))
    assert client.get(comment.get_absolute_url()).status_code == 404


def test_a_permalink_leads_the_author_to_their_own_held_comment(client, seed_article):
    """The browser that posted it, and staff, are led to it; nobody else."""
    threads_of(seed_article, 7)
    data = {"author_name": "Kai", "author_email": "kai@example.net", "body": "Mine, held."}
    post_as(client, seed_article, data)
    comment = Comment.objects.get(body="Mine, held.")
    location = f"{page_url(seed_article, 3)}#comment-{comment.pk}"
    assert client.get(comment.get_absolute_url())["Location"] == location
    assert reader().get(comment.get_absolute_url()).status_code == 404


def test_staff_are_led_to_any_comment(seed_article, staff_user):
    """A moderator's link from the desk reaches the page, whatever the comment's status."""
    staff_user.user_permissions.add(Permission.objects.get(codename="view_comment"))
    held = CommentFactory(article=seed_article, status="pending")
    response = logged_in(staff_user).get(held.get_absolute_url())
    assert response.status_code == 302


@pytest.mark.parametrize("value", ["abc", "²", "٣", "-1", "9" * 30, "1e3", " 1"])
def test_a_permalink_that_is_no_id_is_a_404(client, value):
    """Whatever is typed where the id goes: 404, never a 500."""
    assert client.get(f"/comments/{value}/").status_code == 404


def test_a_permalink_is_only_read(client, seed_article):
    """A POST to a permalink changes nothing and says so."""
    comment = CommentFactory(article=seed_article)
    assert client.post(comment.get_absolute_url()).status_code == 405


def test_an_old_anchor_link_finds_its_comment_on_another_page(client, seed_article):
    """
    permalinks.js sends ``#comment-N`` links that miss to ``/comments/N/?article=…``:
    N is the comment's id, or its number on the former WordPress site.
    """
    roots = threads_of(seed_article, 7)
    imported = roots[5]
    imported.former_id = 4242
    imported.save()
    other = ArticleFactory()
    url = reverse("comments:permalink", args=[4242])
    response = client.get(url, {"article": seed_article.slug})
    assert response["Location"] == f"{page_url(seed_article, 2)}#comment-{imported.pk}"
    response = client.get(
        reverse("comments:permalink", args=[roots[6].pk]), {"article": seed_article.slug}
    )
    assert response["Location"] == f"{page_url(seed_article, 3)}#comment-{roots[6].pk}"
    # Nothing by that number on the article: back to its discussion, never a dead end.
    for article, number in [(seed_article, 777777), (other, roots[0].pk)]:
        response = client.get(
            reverse("comments:permalink", args=[number]), {"article": article.slug}
        )
        assert response["Location"] == f"{article.get_absolute_url()}#comments"
    response = client.get(url, {"article": "no-such-article"})
    assert response.status_code == 404


@pytest.mark.usefixtures("site_url")
def test_feeds_and_emails_link_comments_by_their_permalinks(
    client, seed_article, settings, post_comment, comment_data, moderator_client,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """Links that leave the site (feeds, the approval email) keep working as pages move."""
    roots = threads_of(seed_article, 7)
    feed = client.get(reverse("blog:article-feed", args=[seed_article.slug])).content.decode()
    assert f"{SITE_URL}/comments/{roots[6].pk}/" in feed
    assert "#comment-" not in feed

    mailbox = confirmed_mailbox(comment_data["author_email"])
    with django_capture_on_commit_callbacks(execute=True):
        post_comment({**comment_data, "notify_on_approval": "on"})
    comment = Comment.objects.get(body=comment_data["body"])
    mailbox.browsers.create(trust_key=comment.trust_key)  # Confirmed from this browser.
    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post(
            reverse("admin:comments_comment_changelist"),
            {"action": "approve", "index": "0", "_selected_action": [comment.pk]},
        )
    sent = [message for message in mail.outbox if "is published" in message.subject]
    assert len(sent) == 1
    assert f"{SITE_URL}/comments/{comment.pk}/" in sent[0].body
    # The link leads there: the last page, where the newest thread is.
    response = client.get(f"/comments/{comment.pk}/")
    assert response["Location"] == f"{page_url(seed_article, 3)}#comment-{comment.pk}"


@pytest.mark.usefixtures("site_url")
def test_the_sitemap_lists_each_later_page_of_comments(client, seed_article, settings):
    """Pages 2 and on of each published discussion, at SITE_URL; never a redirect."""
    threads_of(seed_article, 7)
    draft = ArticleFactory(status="draft")
    threads_of(draft, 7)
    short = ArticleFactory()
    threads_of(short, 2)
    tree = ElementTree.fromstring(client.get(reverse("sitemap")).content)
    locations = [loc.text for loc in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert f"{SITE_URL}{page_url(seed_article, 2)}" in locations
    assert f"{SITE_URL}{page_url(seed_article, 3)}" in locations
    assert not [loc for loc in locations if "comment-page" in loc and seed_article.slug not in loc]
    assert not [loc for loc in locations if "/comments/" in loc]
    assert len([loc for loc in locations if "comment-page" in loc]) == 2
