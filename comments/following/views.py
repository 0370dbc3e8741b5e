"""
``/follow/``: the "Email me new articles" form, and what it answers.

Linked from every page's footer; the form is on a page of its own, private
like every page that is not shared (blog/shared_pages.py), so that it can
carry Django's CSRF token. The answer is one sentence, the same whatever the
address's state (never followed, waiting, confirmed, following already):
nothing on the page, in its timing or in the emails a stranger can cause
tells whether an address is known (comments/mail/subscriptions.py ``follow``).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from comments.following.forms import FollowForm
from comments.mail.subscriptions import follow
from comments.trust import browser_token, remember_token, trust_key
from lib.client import client_ip

THANKS = (
    "Thank you. Unless this address already gets our new articles, we have emailed it a "
    "link: nothing is sent until its owner opens it and says yes. If no email comes, look "
    "in your spam folder."
)


@require_http_methods(["GET", "HEAD", "POST"])
def follow_by_email(request: HttpRequest) -> HttpResponse:
    """The form (GET); keep the wish and ask for consent, answering the same for any address."""
    if request.method != "POST":
        return render(request, "comments/follow.html", {"form": FollowForm()})
    form = FollowForm(request.POST)
    if not form.is_valid():
        return render(request, "comments/follow.html", {"form": form}, status=400)
    token = browser_token(request)
    follow(form.cleaned_data["email"], browser=trust_key(token), ip=client_ip(request))
    response = render(request, "comments/follow.html", {"done": True, "message": THANKS})
    remember_token(response, token)
    return response
