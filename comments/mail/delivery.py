"""
Sending the site's emails from the outbox, so that no crash loses one or sends it twice.

Each email is a ``Delivery`` row, written in the same transaction as the
approval or the comment that calls for it. Once that commits, a django.tasks
task carrying only the row's id goes to the queue (django-tasks-db: a table in
the same database), and ``manage.py email_worker`` runs it:

1. The task claims its row (queued → sending) with one conditional UPDATE, so
   two tasks for one row never both send it.
2. It builds the email as things stand now: a comment unapproved since, a
   thread muted since, an address no longer confirmed, and there is nothing
   to send (the row is "not needed any more").
3. It sends it over the worker's one SMTP connection, kept open from task to
   task, and marks the row sent straight after.

A failure the server calls temporary (a 4xx code, a dropped or refused
connection) is tried again after ``EMAIL_RETRY_SECONDS``, doubling each time,
up to ``EMAIL_ATTEMPTS`` attempts; a permanent one (5xx, an address the server
cannot take) fails at once. Either way the reason, never the address, goes
to the log and to the row, which staff see in the admin ("Email deliveries").

``recover`` is what makes a crash harmless. The worker runs it every few
seconds: a row a worker took but did not finish within ``EMAIL_LEASE_SECONDS``
(the worker was killed) is queued again, and a queued row whose task never
reached the queue (the web process died between its commit and the enqueue)
or whose retry is due gets a task. The one case it cannot tell apart is a
worker killed after the mail server accepted a message and before the row was
marked sent, a few milliseconds: that message is sent again, with the same
Message-ID, which mail clients use to show it once.

The claim, the doubling wait and the recovery are lib/outbox.py's rule, the
fediverse's and the Webmentions' too; this module is the emails' policy for it
(``OUTBOX``: the EMAIL_* settings, the "sending" status, "email delivery" in
the log) and what only emails have: what a mail server's answer means, and
how an email is composed and sent.
"""

import contextlib
import email.policy
import logging
import smtplib
import threading
from collections.abc import Iterable
from itertools import groupby
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from blog.models import full_url
from comments.mail.consent import (
    confirm_link_days,
    confirmation_url,
    still_wanted,
    unsubscribe_url,
    wishes,
)
from comments.models import Comment, Delivery, Notice, Subscription
from lib.outbox import Outbox

logger = logging.getLogger(__name__)

EXCERPT_LENGTH = 500


# The queue


def send_later(deliveries: Iterable[Delivery]) -> None:
    """
    Hand each delivery's task to the queue once the transaction that wrote it commits.

    Marked queued now, in that transaction: ``recover`` leaves a row alone
    while its task may still be on its way, and takes it up only if that task
    never reached the queue (the process died first).
    """
    OUTBOX.send_later(delivery.pk for delivery in deliveries)


@task
def deliver(delivery_id: int) -> str:
    """Send one delivery, at most once at a time, and record how it went."""
    delivery = OUTBOX.claim(delivery_id, "mailbox", "held_comment__article", "article")
    if delivery is None:
        # Sent, cancelled or taken already (a task queued twice), or not due yet.
        return "nothing to do"
    problem = None
    try:
        message = compose(delivery)
        if message is None:
            OUTBOX.finish(delivery, Delivery.Status.CANCELLED, last_error="")
            return "not needed any more"
        send(message)
    except Exception as error:
        problem = error
    if problem is not None:
        # Recorded outside the except block: should recording fail too, its traceback
        # must not chain this one, whose text names the refused addresses.
        return failed(delivery, problem)
    OUTBOX.finish(delivery, Delivery.Status.SENT, sent_at=timezone.now(), last_error="")
    logger.info("Email delivery %d sent (attempt %d).", delivery.pk, delivery.attempts)
    return "sent"


# The emails' policy for lib/outbox.py's rule, read when used (tests change the settings).
OUTBOX = Outbox(
    model=Delivery,
    task=deliver,
    label="email delivery",
    logger=logger,
    attempts=lambda: settings.EMAIL_ATTEMPTS,
    retry_seconds=lambda: settings.EMAIL_RETRY_SECONDS,
    lease_seconds=lambda: settings.EMAIL_LEASE_SECONDS,
    working=Delivery.Status.SENDING,
)


def why_not_sent(error: Exception) -> str:
    """
    A failure to send, told without the address: its kind and the server's code.

    Never the exception's text or its traceback: SMTPRecipientsRefused holds the
    refused addresses, and a server's reply often repeats them.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return f"the mail server refused the recipient (code {', '.join(map(str, codes))})"
    if code := getattr(error, "smtp_code", None):
        return f"{type(error).__name__} (code {code})"
    return type(error).__name__


def failed(delivery: Delivery, error: Exception) -> str:
    """Schedule the next attempt after a failure, or give up; say why without the address."""
    why = why_not_sent(error)
    if is_temporary(error):
        return OUTBOX.try_again(delivery, why)
    return OUTBOX.failed(delivery, why)


def is_temporary(error: Exception) -> bool:
    """
    Whether trying again later may succeed: what the mail server said, or a network failure.

    SMTP's 4xx codes are temporary and 5xx permanent (RFC 5321, 4.2.1); an
    address the SMTP library cannot even write (ValueError) is permanent.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _ in error.recipients.values())
    if code := getattr(error, "smtp_code", None):
        return code < 500
    return not isinstance(error, ValueError)


def recover() -> int:
    """
    Queue again what a crash or a failure left behind; return how many tasks were queued.

    Each delivery a killed worker left is logged ("was interrupted"). Safe to
    run from any number of workers at once: a delivery queued twice is sent
    once (``deliver`` claims it).
    """
    return OUTBOX.recover()


# Sending


_connections = threading.local()


def close_connection() -> None:
    """Close this thread's SMTP connection, if it has one open."""
    mailer, _connections.mailer = getattr(_connections, "mailer", None), None
    if mailer is not None:
        with contextlib.suppress(Exception):
            mailer.close()


def send(message: EmailMessage) -> None:
    """
    Send one message over this thread's SMTP connection, opened once and kept.

    A connection the server closed while it sat idle is opened again, once.
    A refusal leaves it open; any other failure closes it, so the next
    message starts afresh.
    """
    config = settings.MAILERS.get("default")
    mailer = getattr(_connections, "mailer", None)
    if mailer is None or getattr(_connections, "config", None) != config:
        mailer = mailers.default
        _connections.mailer, _connections.config = mailer, config
    try:
        try:
            mailer.open()
            mailer.send_messages([message])
        except smtplib.SMTPServerDisconnected:
            mailer.close()
            mailer.open()
            mailer.send_messages([message])
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
        raise  # The server answered: the connection is as good as before.
    except BaseException:
        close_connection()  # Broken: the next message starts afresh.
        raise


# What is sent


def compose(delivery: Delivery) -> EmailMessage | None:
    """The email a delivery stands for, as things are now; None if nothing is to be sent."""
    if delivery.kind == Delivery.Kind.CONFIRMATION:
        return compose_confirmation(delivery)
    if delivery.kind == Delivery.Kind.HELD:
        return compose_held(delivery)
    if delivery.kind == Delivery.Kind.ARTICLE:
        return compose_article(delivery)
    return compose_news(delivery)


def compose_article(delivery: Delivery) -> EmailMessage | None:
    """
    A new article, to a follower (comments/mail/followers.py); None if the article
    is no longer public or the follower no longer follows.
    """
    article, mailbox = delivery.article, delivery.mailbox
    following = mailbox.subscriptions.in_force().filter(kind=Subscription.Kind.BLOG).exists()
    if article is None or not article.is_published() or not following:
        return None
    stop = unsubscribe_url(mailbox, new_articles=True)
    context = {
        "site_name": settings.SITE_NAME,
        "article": article,
        "url": article.get_full_url(),
        "stop_url": stop,
        "stop_everything_url": unsubscribe_url(mailbox),
    }
    subject = f"[{settings.SITE_NAME}] New article: “{article.title}”"
    return message(delivery, subject, "comments/email/article.txt", context, [], unsubscribe=stop)


def compose_held(delivery: Delivery) -> EmailMessage | None:
    """
    The email asking a moderator to decide a comment, or another held item (a
    mention: its app's ``<app>/email/held.txt`` words it); None once it is
    decided or gone.
    """
    item = delivery.held_comment or delivery.held_item
    if item is None or item.status != Comment.Status.PENDING:
        return None
    admin = f"admin:{item._meta.app_label}_{item._meta.model_name}"
    context = {
        "site_name": settings.SITE_NAME,
        "item": item,
        "article": item.article,
        "excerpt": Truncator(item.body if isinstance(item, Comment) else item.excerpt).chars(
            EXCERPT_LENGTH
        ),
        "change_url": full_url(reverse(f"{admin}_change", args=[item.pk])),
        "queue_url": full_url(reverse(f"{admin}_changelist")),
    }
    # Never words a stranger chose (a name, a page's title): the site's article only.
    subject = f"[{settings.SITE_NAME}] Please moderate: “{item.article.title}”"
    template = f"{item._meta.app_label}/email/held.txt"
    return message(delivery, subject, template, context, [])


def compose_confirmation(delivery: Delivery) -> EmailMessage | None:
    """
    The email asking for a yes: to confirm the address, or (confirmed already,
    from other browsers) the wishes typed since; None once nothing waits.
    """
    mailbox = delivery.mailbox
    asked = wishes(mailbox)
    if not mailbox.confirmation_nonce or (mailbox.is_confirmed() and not asked):
        return None
    context = {
        "site_name": settings.SITE_NAME,
        "confirm_url": confirmation_url(mailbox),
        "days": confirm_link_days(),
        "wishes": asked,
        "confirmed": mailbox.is_confirmed(),
        "stop_url": unsubscribe_url(mailbox),
    }
    what = "these emails" if mailbox.is_confirmed() else "your email address"
    subject = f"[{settings.SITE_NAME}] Please confirm {what}"
    return message(delivery, subject, "comments/email/confirm.txt", context, [])


def compose_news(delivery: Delivery) -> EmailMessage | None:
    notices = [
        notice
        for notice in delivery.notices.select_related(
            "comment__article", "comment__parent", "delivery__mailbox"
        ).order_by("comment__article_id", "comment__created_at", "comment__pk")
        if still_wanted(notice)
    ]
    if not notices:
        return None
    mailbox = delivery.mailbox
    discussions = []
    for article, group in groupby(notices, key=lambda notice: notice.comment.article):
        items = [
            {
                "notice": notice,
                "comment": notice.comment,
                "excerpt": Truncator(notice.comment.body).chars(EXCERPT_LENGTH),
                "url": notice.comment.get_full_url(),
            }
            for notice in group
        ]
        mute_url = unsubscribe_url(mailbox, [article.pk])
        discussions.append({"article": article, "items": items, "mute_url": mute_url})
    context = {
        "site_name": settings.SITE_NAME,
        "discussions": discussions,
        "stop_url": unsubscribe_url(mailbox),
    }
    return message(
        delivery,
        news_subject(notices),
        "comments/email/news.txt",
        context,
        [discussion["article"].pk for discussion in discussions],
    )


def news_subject(notices: list[Notice]) -> str:
    """
    What the email is about, in its subject line.

    Never a commenter's name: that is text anyone can type, and a subject
    line is where phishing would put it.
    """
    articles = {notice.comment.article for notice in notices}
    site = settings.SITE_NAME
    if len(articles) > 1:
        return f"[{site}] {len(notices)} new comments"
    title = next(iter(articles)).title
    if len(notices) > 1:
        return f"[{site}] {len(notices)} new comments on “{title}”"
    match notices[0].reason:
        case Notice.Reason.PUBLISHED:
            return f"[{site}] Your comment on “{title}” is published"
        case Notice.Reason.REPLY:
            return f"[{site}] New reply to your comment on “{title}”"
    return f"[{site}] New comment on “{title}”"


class SiteEmail(EmailMessage):
    """
    An email whose header lines are folded only past SMTP's 998 characters.

    Python folds a header at 78 characters, and a token longer than that with
    no space to fold at (an unsubscribe link) it writes as RFC 2047 encoded
    words, which a List-Unsubscribe header may not hold (RFC 2369): mail
    clients then offer no one-click unsubscribe at all.
    """

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


def message(
    delivery: Delivery,
    subject: str,
    template: str,
    context: dict,
    articles: list[int],
    unsubscribe: str | None = None,
) -> EmailMessage:
    """
    One email to one address, with the headers that let its reader leave in one click.

    ``List-Unsubscribe`` with ``List-Unsubscribe-Post`` (RFC 8058): the mail
    client POSTs to the link and the email's discussions go quiet (for a
    confirmation request, everything; for a new article, new articles:
    ``unsubscribe``). The Message-ID is the delivery's, so
    an email sent twice after a crash is one email to the reader's client.
    """
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    headers = {
        # An automatic message: no vacation replies (RFC 3834).
        "Auto-Submitted": "auto-generated",
        "Message-ID": f"<delivery-{delivery.pk}.{delivery.created_at:%Y%m%d%H%M%S}@{domain}>",
    }
    if delivery.mailbox is None:  # A moderator's: their role, not a list to leave.
        recipient = delivery.staff_address
    else:
        recipient = delivery.mailbox.email
        unsubscribe = unsubscribe or unsubscribe_url(delivery.mailbox, articles)
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return SiteEmail(
        " ".join(subject.split()),
        render_to_string(template, context),
        None,
        [recipient],
        headers=headers,
    )
