from django.conf import settings
from django.shortcuts import render
from django.urls import Resolver404, resolve

# A comment POST larger than this is refused before it is read: the form at its
# limits, every character four bytes and percent-encoded, fits well within.
MAX_REQUEST_BYTES = 100 * 1024


class CommentSizeLimitMiddleware:
    """
    Refuse a comment POST bigger than the form could need, before reading it.

    It sits before the CSRF middleware, which would otherwise read (and hold
    in memory) the whole body to find the token.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and self._too_large(request) and self._is_comment_post(request):
            return render(request, "413.html", status=413)
        return self.get_response(request)

    @staticmethod
    def _too_large(request) -> bool:
        try:
            length = int(request.headers.get("content-length") or 0)
        except ValueError:
            return True
        return length > getattr(settings, "COMMENTS_MAX_REQUEST_BYTES", MAX_REQUEST_BYTES)

    @staticmethod
    def _is_comment_post(request) -> bool:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name == "comments:post"
