"""The Webmention endpoint: HTTP only; the rules are in ``receiving``."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from lib.refusal import Refusal
from mentions.receiving import accept


def sentence(text: str, status: int) -> HttpResponse:
    return HttpResponse(f"{text}\n", status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt  # Other sites post here, with no session: nothing in it acts for a reader.
@require_POST
def webmention(request: HttpRequest) -> HttpResponse:
    """
    Receive a Webmention (``source``, ``target``, form-encoded): 202 and verified
    later, or 400 with the reason.
    """
    try:
        accept(request.POST.get("source", ""), request.POST.get("target", ""))
    except Refusal as refusal:
        return sentence(refusal.sentence, refusal.status)
    return sentence("Accepted: the source will be fetched and checked, then moderated.", 202)
