"""The search page: what it finds, in which order, how it shows it, and what it refuses."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.utils import timezone

from blog.models import Article
from tests.factories import ArticleFactory, CategoryFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_blog():
    """Without the seed article (itself about cramps): each test writes what it searches."""
    Article.objects.all().delete()


def found(client, query: str, **params) -> list[str]:
    """The titles the search page lists for this query, in order."""
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200, response.content
    soup = BeautifulSoup(response.content, "html.parser")
    return [h2.get_text(strip=True) for h2 in soup.select(".search-result h2")]


def test_stemming_finds_other_forms_of_a_word(client):
    """``cramp`` finds "cramps" and "cramping"; an unrelated article is not found."""
    ArticleFactory(title="Night cramps", body="They wake you up.")
    ArticleFactory(title="Stretching", body="Calves cramping after a run.")
    ArticleFactory(title="Sleep", body="Nothing about muscles here.")
    assert sorted(found(client, "cramp")) == ["Night cramps", "Stretching"]


def test_title_matches_come_before_body_matches(client):
    """An article with the word in its title comes first, however often others say it."""
    ArticleFactory(title="Everything about feet", body="foot " * 50 + "massage " * 50)
    ArticleFactory(title="Massage", body="A short note.")
    assert found(client, "massage") == ["Massage", "Everything about feet"]


def test_quoted_phrase_finds_the_words_side_by_side_only(client):
    """ "foot massage" in quotes finds the phrase, not the two words apart."""
    ArticleFactory(title="One", body="A foot massage helps.")
    ArticleFactory(title="Two", body="Massage the calf, then the foot.")
    assert found(client, '"foot massage"') == ["One"]
    assert sorted(found(client, "foot massage")) == ["One", "Two"]


def test_every_word_must_be_found(client):
    """Two words find the articles holding both."""
    ArticleFactory(title="One", body="magnesium and water")
    ArticleFactory(title="Two", body="water only")
    assert found(client, "water magnesium") == ["One"]


def test_standfirst_is_searched(client):
    """The line under the title is part of what an article is found by."""
    ArticleFactory(title="One", standfirst="Electrolytes explained", body="Plain body.")
    assert found(client, "electrolyte") == ["One"]


def test_tags_and_categories_are_searched_and_followed(client, django_capture_on_commit_callbacks):
    """An article is found by its topics' names: when filed, renamed, unfiled or deleted."""
    article = ArticleFactory(title="One", body="Plain body.")
    tag, category = TagFactory(name="Magnesium"), CategoryFactory(name="Remedies")
    with django_capture_on_commit_callbacks(execute=True):
        article.tags.add(tag)
        article.categories.add(category)
    assert found(client, "magnesium") == found(client, "remedy") == ["One"]
    with django_capture_on_commit_callbacks(execute=True):
        tag.name = "Potassium"
        tag.save()
        category.delete()
    assert found(client, "potassium") == ["One"]
    assert found(client, "magnesium") == found(client, "remedy") == []
    with django_capture_on_commit_callbacks(execute=True):
        article.tags.remove(tag)
    assert found(client, "potassium") == []


def test_drafts_and_scheduled_articles_are_never_found_until_their_time(client):
    """A draft is not found; a scheduled article is found once its time comes, without a save."""
    ArticleFactory(title="Draft quinine", status=Article.Status.DRAFT)
    scheduled = ArticleFactory(
        title="Scheduled quinine", published_at=timezone.now() + timedelta(hours=1)
    )
    assert found(client, "quinine") == []
    Article.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )  # Time passes: no save, no signal.
    assert found(client, "quinine") == ["Scheduled quinine"]


def test_the_index_follows_edits_unpublishing_and_deletion(client):
    """An edit is found by its new words, not its old ones; unpublished or deleted, it is gone."""
    article = ArticleFactory(title="Old title", body="banana")
    assert found(client, "banana") == ["Old title"]
    article.title, article.body = "New title", "cherry"
    article.save()
    assert found(client, "banana") == []
    assert found(client, "cherry") == ["New title"]
    article.status = Article.Status.DRAFT
    article.save()
    assert found(client, "cherry") == []
    article.status = Article.Status.PUBLISHED
    article.save()
    assert found(client, "cherry") == ["New title"]
    article.delete()
    assert found(client, "cherry") == []


def test_rebuild_command_indexes_articles_changed_without_a_save(client):
    """A queryset update() sends no signal: ``rebuild_search_index`` catches up."""
    article = ArticleFactory(title="Before", body="apple")
    Article.objects.filter(pk=article.pk).update(title="After", body_html="<p>pear</p>")
    assert found(client, "pear") == []
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert found(client, "pear") == ["After"]


def test_excerpt_highlights_matches_and_escapes_the_text(client):
    """The excerpt marks the words found, and what the article holds stays text."""
    ArticleFactory(
        title="Markup",
        body="Write `<script>alert(1)</script>` and a cramp &amp; more.",
    )
    response = client.get("/search/", {"q": "cramp"})
    excerpt = BeautifulSoup(response.content, "html.parser").select_one(".search-excerpt")
    assert excerpt.select("mark")[0].get_text() == "cramp"
    assert excerpt.select("script") == []
    assert "<script>alert(1)</script>" in excerpt.get_text()
    assert b"<script>alert" not in response.content


def test_query_is_shown_escaped(client):
    """What was typed comes back in the box and the sentence, as text."""
    response = client.get("/search/", {"q": "<b>bold</b>"})
    assert b"<b>bold</b>" not in response.content
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("main input[name=q]")["value"] == "<b>bold</b>"


def test_results_are_paged_ten_at_a_time(client):
    """Page two lists the next ten, and links back; past the last page, a sentence."""
    for n in range(13):
        ArticleFactory(title=f"Tonic water {n:02}", body="tonic")
    first = found(client, "tonic")
    second = found(client, "tonic", page=2)
    assert len(first) == 10 and len(second) == 3
    assert not set(first) & set(second)
    response = client.get("/search/", {"q": "tonic", "page": 5})
    assert response.status_code == 200
    assert "There are no more results" in response.content.decode()


def test_nothing_found_says_so(client):
    """A search that finds nothing says so, with the words typed."""
    response = client.get("/search/", {"q": "zebra"})
    assert response.status_code == 200
    assert "No article found for “zebra”" in response.content.decode()


def test_empty_search_shows_the_box(client):
    """No words: the search box, and no complaint."""
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client.get("/search/", params)
        assert response.status_code == 200
        assert "invalid-feedback" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ("x" * 10_240, "A search can be up to 200 characters, and this one has 10,240"),
        ("?!… -- ** \"\" ''' ()", "There is no word to search for in that"),
        (" ".join(f"word{n}" for n in range(14)), "A search can have up to 12 words"),
    ],
)
def test_unusable_searches_get_a_sentence_beside_the_box(client, query, sentence):
    """Too long, only punctuation, too many words: a 400 and a sentence, what was typed kept."""
    response = client.get("/search/", {"q": query})
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    assert sentence in soup.select_one(".invalid-feedback").get_text()
    assert soup.select_one("main input[name=q]")["value"] == query.strip()


@pytest.mark.parametrize(
    "query",
    [
        "NEAR(cramp night)",
        "cramp NEAR night",
        "cramp AND night",
        "cramp OR night",
        "NOT cramp",
        "-cramp",
        "cramp*",
        '"cramp',
        'cramp"',
        '"""',
        "title:cramp",
        "{title}: cramp",
        "^cramp",
        "cramp + night",
        "'; DROP TABLE search_document; --",
        "c\x00ramp",
        "\u202ecramp",
    ],
)
def test_query_language_operators_are_plain_words(client, query):
    """FTS operators typed into the box are words or separators: never an error."""
    ArticleFactory(title="Cramp at night", body="Near the knee: not good, and or.")
    response = client.get("/search/", {"q": query})
    assert response.status_code in {200, 400}
    assert response.status_code == 200 or "invalid-feedback" in response.content.decode()


def test_operator_words_are_searched_as_words(client):
    """NEAR, OR and NOT typed are words: an article holding them is found by them."""
    ArticleFactory(title="Operators", body="near or not")
    ArticleFactory(title="Other", body="nothing")
    assert found(client, "NEAR OR NOT") == ["Operators"]


def test_every_page_has_a_search_box(client):
    """The home page and an article carry the search box, a labelled search landmark."""
    for address in ("/", ArticleFactory().get_absolute_url(), "/search/"):
        soup = BeautifulSoup(client.get(address).content, "html.parser")
        form = soup.select_one("form[role=search]")
        assert form["action"] == "/search/" and form["method"] == "get"
        field = form.select_one("input[name=q]")
        assert form.select_one(f"label[for={field['id']}]").get_text() == "Search the articles"


def test_search_page_is_private_and_not_indexed(client):
    """No shared cache keeps a search (see search/views.py); search engines skip it."""
    ArticleFactory(title="Cramp")
    response = client.get("/search/", {"q": "cramp"})
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"


def test_wordpress_search_lands_on_the_same_results(client):
    """``/?s=…`` (WordPress's search) is a permanent redirect to ``/search/?q=…``."""
    ArticleFactory(title="Cramp & relief")
    response = client.get("/", {"s": "relief & cramps"})
    assert response.status_code == 301
    assert response["Location"].endswith("/search/?q=relief+%26+cramps")
    assert found(client, "relief & cramps") == ["Cramp & relief"]
    assert (
        client.get(response["Location"]).content
        == client.get("/search/", {"q": "relief & cramps"}).content
    )


def test_unread_parameters_redirect_to_the_search_itself(client):
    """A parameter the page does not read goes, as everywhere (serving/query.py)."""
    response = client.get("/search/", {"q": "cramp", "x": "1", "page": "02"})
    assert response.status_code == 301
    assert response["Location"] == "/search/?q=cramp&page=2"
