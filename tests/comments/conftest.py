import pytest
from django.urls import reverse

from comments.spam import new_stamp

VALID = {
    "author_name": "Maya Okafor",
    "author_email": "maya.okafor@example.net",
    "author_url": "",
    "body": "This helped with my night cramps.",
}


@pytest.fixture
def comment_data() -> dict[str, str]:
    """What an honest reader types into the form, with the form's signed timestamp."""
    return {**VALID, "issued": new_stamp()}


@pytest.fixture
def post_comment(client, seed_article):
    """Submit the comment form of the seed article as the test client's reader."""

    def post(data: dict[str, str], article=None, **kwargs):
        article = article or seed_article
        return client.post(reverse("comments:post", args=[article.slug]), data, **kwargs)

    return post
