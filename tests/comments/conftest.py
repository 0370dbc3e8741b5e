import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from comments.models import Comment
from tests.conftest import logged_in, post_as
from tests.factories import UserFactory

# The moderation queue, and the statuses its tests move comments between.
CHANGELIST = reverse("admin:comments_comment_changelist")
PENDING, APPROVED, SPAM, REMOVED = (
    Comment.Status.PENDING,
    Comment.Status.APPROVED,
    Comment.Status.SPAM,
    Comment.Status.REMOVED,
)


def messages_of(response) -> list[str]:
    """The admin messages a followed response shows, in order."""
    return [str(message) for message in response.context["messages"]]


VALID = {
    "author_name": "Maya Okafor",
    "author_email": "maya.okafor@example.net",
    "author_url": "",
    "body": "This helped with my night cramps.",
}


@pytest.fixture
def comment_data() -> dict[str, str]:
    """What an honest reader types into the form."""
    return dict(VALID)


@pytest.fixture
def post_comment(client, seed_article):
    """Submit the comment form of the seed article as the test client's browser, script on."""

    def post(data: dict[str, str], article=None, **kwargs):
        return post_as(client, article or seed_article, data, **kwargs)

    return post


@pytest.fixture
def moderator(db):
    """A staff member in the Moderators group the data migration creates."""
    user = UserFactory(is_staff=True, email="mod@example.com")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def moderator_client(moderator) -> Client:
    return logged_in(moderator)
