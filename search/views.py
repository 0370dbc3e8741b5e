"""
The search page, ``/search/?q=…&page=N``.

Answered privately (never stored by nginx or any shared cache): its
addresses are as many as the words people type, so no withdrawal could find
and delete every copy that shows an article (serving/purge.py), and a copy
kept per search would only serve the one person who typed it. Each search
therefore reaches the app, and counts against the client's limit there like
any other request that does (deploy/nginx.conf ``limit_req``): a flood of
searches is turned away while readers of stored pages never notice.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from search.backends import search
from search.forms import SearchForm

PER_PAGE = 10


@require_safe
def results(request: HttpRequest) -> HttpResponse:
    """The search box, and one page of what it found; a sentence when it cannot search."""
    form = SearchForm(request.GET if "q" in request.GET else None)
    context: dict = {"form": form}
    if not form.is_bound:
        return render(request, "search/results.html", context)
    if not form.is_valid():
        return render(request, "search/results.html", context, status=400)
    terms = form.cleaned_data["q"]
    if terms is not None:
        number = int(request.GET.get("page", 1))
        found = search(terms, offset=(number - 1) * PER_PAGE, limit=PER_PAGE)
        context |= {
            "query": form.data["q"].strip(),
            "hits": found.hits,
            "total": found.total,
            "number": number,
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number * PER_PAGE < found.total else None,
        }
    response = render(request, "search/results.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
