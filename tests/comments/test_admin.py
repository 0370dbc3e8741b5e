"""Staff see comments in the admin and approve them."""

import pytest
from django.urls import reverse

from comments.models import Comment
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")


def test_staff_see_held_comments_and_approve_them(superuser_client, client, seed_article):
    """A held comment is listed in the admin; approving it publishes it on the article."""
    comment = CommentFactory(article=seed_article, status="pending", body="Please publish me.")
    listing = superuser_client.get(CHANGELIST)
    assert comment.author_name in listing.content.decode()

    response = superuser_client.post(
        CHANGELIST, {"action": "approve", "_selected_action": [comment.pk]}, follow=True
    )
    assert "1 comment approved." in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert "Please publish me." in client.get(seed_article.get_absolute_url()).content.decode()
