"""
The pages behind the links in readers' emails: confirm an address, stop emails.

Opening a link changes nothing: mail scanners and link previews follow links,
so a GET only shows what the link would do and a button; the button's POST
does it. A mail client's one-click unsubscribe (RFC 8058) is that same POST,
sent by the client with no cookie, token or Origin: the unsubscribe view is
exempt from CSRF, which is safe because the signed link alone authorises
exactly one thing, stopping those emails, for that mailbox. The confirm form
keeps Django's CSRF token: its page is private, like every page here
(blog/shared_pages.py), and is never indexed.
"""

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from blog.models import Article
from comments.mail.consent import (
    LinkExpired,
    LinkInvalid,
    MailboxGone,
    approvals_elsewhere,
    read_confirmation,
    read_unsubscribe,
    unsubscribe_url,
    wishes,
)
from comments.mail.subscriptions import confirm, leave
from comments.trust import browser_token, remember_token, trust_key

FORGED = (
    "This link is not one we sent, or it was cut short. Please open the whole link from "
    "the email, or copy it into the address bar."
)
CONFIRM_EXPIRED = (
    "This confirmation link has expired. Tick the email box again the next time you comment, "
    "and we will send a new one."
)
CONFIRM_USED = (
    "This confirmation link was already used, or a newer email replaced it. Please use the "
    "link in the newest email from us."
)
UNSUBSCRIBE_EXPIRED = (
    "This link has expired. Every email we send has a link of its own: please use the one in "
    "the newest email from us."
)


def link_page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, "comments/email_link.html", context, status=status)
    # The link is its own password: keep the page out of search engines.
    response["X-Robots-Tag"] = "noindex"
    return response


def refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return link_page(request, {"heading": "This link cannot be used", "message": message}, status)


@require_http_methods(["GET", "HEAD", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """
    Show what confirming means and a button (GET); say yes from this browser (POST).

    The browser that presses the button is the one consent is given from
    (comments/mail/consent.py): its token cookie is set if it had none.
    """
    try:
        mailbox, nonce = read_confirmation(token)
    except LinkExpired:
        return refused(request, CONFIRM_EXPIRED, 410)
    except MailboxGone:
        return refused(request, CONFIRM_USED, 410)
    except LinkInvalid:
        return refused(request, FORGED, 400)
    token_here = browser_token(request)
    browser = trust_key(token_here)
    # A path, not the full address: the page may be reached under another host name.
    context = {"stop_url": urlsplit(unsubscribe_url(mailbox)).path}
    if not nonce or nonce != mailbox.confirmation_nonce:
        if not mailbox.is_confirmed():
            return refused(request, CONFIRM_USED, 410)
        confirmed = {**context, "wishes": wishes(mailbox, in_force=True)}
        return link_page(request, {**confirmed, "heading": "Your address is confirmed"})
    if request.method == "POST":
        if confirm(mailbox, nonce, browser):
            heading, done = "Thank you: your address is confirmed", True
        else:  # Confirmed by another click a moment ago.
            heading, done = "Your address is confirmed", False
        mailbox.refresh_from_db()
        context |= {"wishes": wishes(mailbox, in_force=True), "heading": heading, "done": done}
        response = link_page(request, context)
        remember_token(response, token_here)
        return response
    heading = "Confirm these emails" if mailbox.is_confirmed() else "Confirm your email address"
    context |= {
        "wishes": wishes(mailbox, browser=browser),
        "heading": heading,
        "button": "Yes, email me",
        "other_browser": approvals_elsewhere(mailbox, browser),
    }
    return link_page(request, context)


@csrf_exempt  # RFC 8058: the mail client's POST has no token; the signed link is the proof.
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Show what the link stops and a button (GET); stop it (POST, one click from mail)."""
    try:
        request_to_leave = read_unsubscribe(token)
    except LinkExpired:
        return refused(request, UNSUBSCRIBE_EXPIRED, 410)
    except LinkInvalid:
        return refused(request, FORGED, 400)
    except MailboxGone:  # Erased: there is nothing left to stop.
        return link_page(
            request, {"heading": "You will get no more email from us", "everything": True}
        )
    articles = list(Article.objects.filter(pk__in=request_to_leave.articles).order_by("title"))
    context = {
        "articles": articles,
        "everything": request_to_leave.everything,
        "new_articles": request_to_leave.new_articles,
    }
    if request.method == "POST":
        leave(request_to_leave)
        if context["everything"]:
            heading = "You will get no more email from us"
        elif context["new_articles"]:
            heading = "You will get no more emails about new articles"
        else:
            heading = "You will get no more email about this discussion"
        return link_page(request, {**context, "heading": heading, "done": True})
    if context["everything"]:
        heading = "Stop all email from us?"
    elif context["new_articles"]:
        heading = "Stop emails about new articles?"
    else:
        heading = "Stop emails about this discussion?"
    context |= {"heading": heading, "button": "Stop these emails", "one_click": True}
    return link_page(request, context)
