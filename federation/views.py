"""
The fediverse's pages: HTTP only. WebFinger, NodeInfo, the actor and its collections
(federation/documents.py writes them), and the inbox (federation/inbox.py decides).
"""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from blog.models import Article, full_url
from federation import conf, documents, inbox
from federation.models import Follower

ACTIVITY_JSON = "application/activity+json"


def activity_response(document: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(document), status=status, content_type=ACTIVITY_JSON)


@require_GET
def webfinger(request: HttpRequest) -> HttpResponse:
    resource = request.GET.get("resource", "")
    if not resource:
        return JsonResponse({"error": "Say which account: ?resource=acct:name@host."}, status=400)
    known = {f"acct:{conf.handle()}", conf.actor_url()}
    if resource not in known:
        return JsonResponse({"error": "No such account here."}, status=404)
    return JsonResponse(documents.webfinger(), content_type="application/jrd+json")


@require_GET
def nodeinfo_links(request: HttpRequest) -> HttpResponse:
    return JsonResponse(documents.nodeinfo_links())


@require_GET
def nodeinfo(request: HttpRequest) -> HttpResponse:
    profile = "http://nodeinfo.diaspora.software/ns/schema/2.1#"
    return JsonResponse(documents.nodeinfo(), content_type=f'application/json; profile="{profile}"')


@require_GET
def actor(request: HttpRequest) -> HttpResponse:
    return activity_response(documents.actor())


@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.published()[:20]
    items = [
        documents.activity("Create", documents.article_object(article), "create")
        for article in articles
    ]
    document = documents.collection(full_url(request.path), len(items), items)
    return activity_response(document)


@require_GET
def followers(request: HttpRequest) -> HttpResponse:
    # How many, not who: followers' accounts are theirs to show.
    return activity_response(
        documents.collection(documents.followers_url(), Follower.objects.count())
    )


@csrf_exempt
@require_POST
def receive(request: HttpRequest) -> HttpResponse:
    declared = request.headers.get("content-length") or "0"
    if not declared.isdigit() or int(declared) > conf.MAX_ACTIVITY_BYTES:
        return JsonResponse({"error": "The activity is too large."}, status=413)
    target = request.get_full_path()
    headers = {name.lower(): value for name, value in request.headers.items()}
    # The Host the peer signed, as Django checked it against ALLOWED_HOSTS.
    headers["host"] = request.get_host()
    answer = inbox.receive(request.method, target, headers, request.body)
    return JsonResponse({"message": answer.sentence}, status=answer.status)
