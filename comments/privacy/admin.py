"""
The admin actions for a commenter's data rights: export and erase by email.

Staff find a commenter by searching the changelist for their email, select
their comments, and run one of these; each acts on every comment left with the
selected comments' addresses, not only the ones on screen.
"""

import json

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import ngettext

from comments.encryption import mailbox
from comments.models import CommentQuerySet
from comments.privacy.rights import NO_DATA, erase_commenter, export_commenter


def _emails(queryset: CommentQuerySet) -> list[str]:
    """The distinct mailboxes behind the selected comments (already erased ones have none)."""
    addresses = queryset.select_related(None).values_list("author_email", flat=True)
    return sorted({mailbox(address) for address in addresses if address})


@admin.action(description="Export the commenters' data (JSON)", permissions=["moderate"])
def export_commenters(modeladmin, request: HttpRequest, queryset: CommentQuerySet):
    exports = [data for email in _emails(queryset) if (data := export_commenter(email))]
    if not exports:
        modeladmin.message_user(request, NO_DATA, messages.WARNING)
        return None
    response = HttpResponse(
        json.dumps(exports, indent=2, ensure_ascii=False), content_type="application/json"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="commenter-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


def _erase(modeladmin, request: HttpRequest, queryset: CommentQuerySet, *, keep_text: bool):
    emails = _emails(queryset)
    erased = [erase_commenter(email, keep_text=keep_text, by=request.user) for email in emails]
    count = sum(erasure.comments for erasure in erased)
    if not count:
        modeladmin.message_user(request, NO_DATA, messages.WARNING)
        return
    people = ngettext("%d commenter", "%d commenters", len(emails)) % len(emails)
    comments = ngettext("%d comment", "%d comments", count) % count
    modeladmin.message_user(
        request, f"Erased the personal data of {people} ({comments}).", messages.SUCCESS
    )


@admin.action(
    description="Erase the commenters' personal data, keep their comment text",
    permissions=["moderate"],
)
def erase_commenters_keep_text(modeladmin, request, queryset):
    _erase(modeladmin, request, queryset, keep_text=True)


@admin.action(
    description="Erase the commenters' personal data and their comment text",
    permissions=["moderate"],
)
def erase_commenters_and_text(modeladmin, request, queryset):
    _erase(modeladmin, request, queryset, keep_text=False)
