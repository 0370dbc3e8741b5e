"""
A new comment stored, and what storing it sets off: the posting service.

``intake.review`` decides; ``store`` applies an accepted verdict, inside the
view's transaction, so the comment and its effects are kept together or not
at all: the status and the reason it is held, the approval email it no longer
needs when it is published at once, the moderators told of a held comment
(``moderation.became_held``), and the reader's wishes for email with the
consent they call for (comments/mail/subscriptions.py). The view only turns
the outcome into HTTP.
"""

from comments.mail.subscriptions import subscribe
from comments.models import Comment
from comments.moderation import became_held
from comments.posting.intake import Submission, Verdict


def store(submission: Submission, verdict: Verdict) -> Comment:
    """Store the comment of an accepted submission under its verdict, with its effects."""
    comment = submission.comment
    comment.status, comment.held_reason = verdict.status, verdict.reason
    if comment.is_approved():
        # Published at once: there is no approval to be told of.
        comment.notify_on_approval = False
    comment.save()
    if comment.status == Comment.Status.PENDING:
        became_held(comment)
    data = submission.form.cleaned_data
    # Silently: the answer to the reader is the same whatever this does with the address.
    subscribe(
        comment, replies=data["notify_replies"], article=data["notify_article"], ip=submission.ip
    )
    return comment
