"""What happens to a comment when it arrives."""

from comments.models import Comment

HELD_FOR_MODERATION = "Every new comment is held for moderation."


def moderate(comment: Comment) -> None:
    """Decide a new comment's status and say why it was held."""
    comment.status = Comment.Status.PENDING
    comment.held_reason = HELD_FOR_MODERATION
