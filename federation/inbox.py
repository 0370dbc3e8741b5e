"""
The blog's inbox: what a signed activity from another server may do, in one place.

``receive`` takes the request's method, path, headers and body and answers an
``Answer`` (an HTTP status and a sentence); the view only speaks HTTP. In order:

1. a body over ``MAX_ACTIVITY_BYTES`` is 413;
2. the signature's form, its ``Digest`` and its ``Date`` (federation/signatures.py): 401;
3. the body must be a JSON object no deeper than ``MAX_DEPTH``: 400;
4. the key must belong to the activity's ``actor`` (401), whose server is not
   on the blocked domains (403, before anything is fetched);
5. the actor's key is fetched (or known, and fetched again once should it no
   longer verify); no key or a wrong signature: 401;
6. the activity is applied in one transaction (each kind below), and its id
   remembered, so the same activity delivered again changes nothing.

Nothing is stored before step 6. What the activities do:

- ``Follow`` of the blog: the actor becomes a follower, and a signed ``Accept``
  goes back through the outbox; ``Undo`` of it: no longer one.
- ``Create`` of a ``Note`` replying to a published article whose discussion is
  open, or to one of its published comments: the Note is fetched again from its
  server (what the activity carried is not believed) and becomes a comment
  held for moderation, "From the fediverse". Anything else: 404 or 403.
- ``Update`` of such a Note (by its author only): fetched again, the text
  replaced, and back to the queue if it was public; ``Delete``: withdrawn.
- ``Like`` and ``Announce`` of an article: counted on it; ``Undo``: uncounted.
"""

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from blog.models import Article
from comments.models import Comment, CommentRevision, ModerationSettings, word_list
from comments.moderation import became_held, change_status
from comments.text import COMMENT_MAX_LENGTH
from federation import conf, remote
from federation.delivery import deliver_to
from federation.documents import CONTEXT
from federation.models import Follower, Reaction, RemoteActor, RemoteNote, Seen
from federation.signatures import BadSignature, check, verify
from lib.refusal import Refusal
from lib.text import parse_id

HELD_REASON = "From the fediverse"


@dataclass(frozen=True)
class Answer:
    status: int
    sentence: str


def receive(method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
    """Check and apply one activity POSTed to the inbox (see the module's docstring)."""
    try:
        return _receive(method, target, headers, body)
    except Refusal as refusal:
        return Answer(refusal.status, refusal.sentence)


def _receive(method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
    if len(body) > conf.MAX_ACTIVITY_BYTES:
        raise Refusal("The activity is too large.", 413)
    try:
        signed = check(method, target, headers, body)
    except BadSignature as error:
        raise Refusal(str(error), 401) from error
    activity = parse(body)
    actor_url = object_id(activity.get("actor"))
    if not actor_url or signed.key_id.split("#", 1)[0] != actor_url:
        raise Refusal("The activity is signed by another actor than its own.", 401)
    if is_blocked(actor_url):
        raise Refusal("This site does not take activities from that server.", 403)
    actor = signer(signed, actor_url)
    activity_id = object_id(activity.get("id"))
    if activity_id and not remote.same_origin(activity_id, actor_url):
        raise Refusal("The activity's id is not on its actor's server.", 400)
    if activity_id and Seen.objects.filter(activity_id=activity_id).exists():
        return Answer(202, "Already received.")
    # Fetched before the transaction: no lock is held while a remote server answers.
    note = note_for(activity, actor)
    with transaction.atomic():
        if actor.pk is None:
            actor = remote.remember(actor)
        answer = apply(activity, actor, note)
        if activity_id:
            Seen.objects.get_or_create(activity_id=activity_id)
    return answer


def parse(body: bytes) -> dict:
    try:
        activity = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise Refusal("The body is not JSON.", 400) from error
    if not isinstance(activity, dict):
        raise Refusal("The body is not a JSON object.", 400)
    if depth(activity) > conf.MAX_DEPTH:
        raise Refusal("The activity is nested too deeply.", 400)
    return activity


def depth(value, level: int = 1) -> int:
    """How deep a JSON value nests (stops counting past MAX_DEPTH)."""
    if level > conf.MAX_DEPTH:
        return level
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    return max((depth(child, level + 1) for child in children), default=level)


def object_id(value) -> str:
    """
    The id of an object given by its id or embedded; "" if it has none we can keep
    (a web address of at most 500 characters, no spaces or control characters).
    """
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str) or len(value) > 500 or not value.isprintable() or " " in value:
        return ""
    return value if urlsplit(value).scheme in ("http", "https") else ""


def is_blocked(url: str) -> bool:
    """Whether the server of this address, or a domain above it, is on the blocked list."""
    host = (urlsplit(url).hostname or "").casefold()
    blocked = {entry.casefold().lstrip("@.") for entry in word_list(blocked_domains())}
    return any(host == domain or host.endswith(f".{domain}") for domain in blocked)


def blocked_domains() -> str:
    return ModerationSettings.load().blocked_domains


def signer(signed, actor_url: str) -> RemoteActor:
    """The actor whose key made this signature; 401 when the key cannot be had or differs."""
    try:
        known = RemoteActor.objects.filter(key_id=signed.key_id, url=actor_url).first()
        if known is not None and verify(signed, known.public_key_pem):
            return known
        actor = remote.fetch_actor(actor_url, signed.key_id)
    except remote.Unreachable as error:
        raise Refusal(f"The actor's key could not be fetched: {error}", 401) from error
    if not verify(signed, actor.public_key_pem):
        raise Refusal("The signature does not match the actor's key.", 401)
    return actor  # kept (remote.remember) only if the activity is


def note_for(activity: dict, actor: RemoteActor) -> dict | None:
    """
    The Note a Create or Update is about, fetched again from its server; None when
    there is none to take (not a Note of ours to create or update).
    """
    if activity.get("type") not in ("Create", "Update"):
        return None
    note_id = object_id(activity.get("object"))
    if not note_id:
        return None
    if not remote.same_origin(note_id, actor.url):
        raise Refusal("The object is not on its actor's server.", 400)
    known = RemoteNote.objects.filter(object_id=note_id).first()
    if activity["type"] == "Create" and known is not None:
        return None
    if activity["type"] == "Update":
        if known is None:
            return None
        if known.actor.url != actor.url:
            raise Refusal("That reply is someone else's.", 403)
    return fetch_note(note_id, actor)


def apply(activity: dict, actor: RemoteActor, note: dict | None) -> Answer:
    kind = activity.get("type")
    handlers = {
        "Follow": follow,
        "Undo": undo,
        "Create": create,
        "Update": update,
        "Delete": delete,
        "Like": react,
        "Announce": react,
    }
    if not isinstance(kind, str) or kind not in handlers:
        return Answer(202, "Nothing to do.")
    if kind in ("Create", "Update"):
        return handlers[kind](activity, actor, note) if note else Answer(202, "Nothing to do.")
    return handlers[kind](activity, actor)


# Following -----------------------------------------------------------------------


def follow(activity: dict, actor: RemoteActor) -> Answer:
    if object_id(activity.get("object")) != conf.actor_url():
        raise Refusal("Only the blog's own account can be followed here.", 404)
    follow_id = object_id(activity.get("id")) or actor.url
    Follower.objects.update_or_create(actor=actor, defaults={"follow_id": follow_id})
    accept = {
        "@context": CONTEXT[0],
        "id": f"{conf.actor_url()}#accepts/{actor.pk}/{timezone.now().timestamp():.0f}",
        "type": "Accept",
        "actor": conf.actor_url(),
        # The Follow by its parts we checked, never whatever else it carried.
        "object": {
            "id": follow_id,
            "type": "Follow",
            "actor": actor.url,
            "object": conf.actor_url(),
        },
    }
    deliver_to([actor.inbox], accept)
    return Answer(202, "Followed.")


def undo(activity: dict, actor: RemoteActor) -> Answer:
    undone = activity.get("object")
    kind = undone.get("type") if isinstance(undone, dict) else None
    undone_id = object_id(undone)
    if kind == "Follow" or Follower.objects.filter(actor=actor, follow_id=undone_id).exists():
        Follower.objects.filter(actor=actor).delete()
        return Answer(202, "Unfollowed.")
    reactions = Reaction.objects.filter(actor=actor, activity_id=undone_id)
    articles = set(reactions.values_list("article_id", flat=True))
    if kind in Reaction.Kind.values and isinstance(undone, dict):
        article = article_at(object_id(undone.get("object")))
        if article is not None:
            reactions = Reaction.objects.filter(actor=actor, kind=kind, article=article)
            articles.add(article.pk)
    reactions.delete()
    for article_id in articles:
        count_reactions(article_id)
    return Answer(202, "Undone.")


# Replies -------------------------------------------------------------------------


def create(activity: dict, actor: RemoteActor, note: dict) -> Answer:
    note_id = note["id"]
    if RemoteNote.objects.filter(object_id=note_id).exists():
        return Answer(202, "Already received.")
    article, parent = reply_target(note.get("inReplyTo"))
    comment = Comment(
        article=article,
        parent=parent.reply_target() if parent else None,
        author_name=actor.name[: Comment._meta.get_field("author_name").max_length],
        author_email="",
        author_url=actor.profile_url[:200],
        fediverse_handle=actor.handle,
        body=note_body(note),
        status=Comment.Status.PENDING,
        held_reason=HELD_REASON,
    )
    comment.save()
    RemoteNote.objects.create(comment=comment, object_id=note_id, actor=actor)
    became_held(comment)
    return Answer(202, "Your reply waits for a moderator.")


def fetch_note(note_id: str, actor: RemoteActor) -> dict:
    """The Note as its own server has it now, written by ``actor``; else a refusal."""
    try:
        note = remote.get_json(note_id)
    except remote.Unreachable as error:
        raise Refusal(f"The reply could not be fetched from its server: {error}", 400) from error
    if note.get("id") != note_id or note.get("type") != "Note":
        raise Refusal("The object at that address is not that Note.", 400)
    if object_id(note.get("attributedTo")) != actor.url:
        raise Refusal("The Note was written by another actor.", 403)
    return note


def note_body(note: dict) -> str:
    """The Note as our plain text: its warning, its text, its attachments' addresses."""
    content = note.get("content")
    if not isinstance(content, str):
        content_map = note.get("contentMap")
        values = list(content_map.values()) if isinstance(content_map, dict) else []
        content = next((v for v in values if isinstance(v, str)), "")
    parts = []
    if note.get("sensitive") or note.get("summary"):
        warning = remote.text(note.get("summary"), 500).strip()
        parts.append(f"Content warning: {warning}" if warning else "Content warning")
    parts.append(remote.note_text(content))
    attachments = note.get("attachment")
    for attachment in attachments if isinstance(attachments, list) else []:
        if isinstance(attachment, dict) and (url := remote.web_url(attachment.get("url"))):
            described = " ".join(remote.text(attachment.get("name"), 300).split())
            parts.append(f"Attachment: {described} {url}" if described else f"Attachment: {url}")
    body = "\n\n".join(part for part in parts if part)
    return body[:COMMENT_MAX_LENGTH] or "(no text)"


def article_at(url: str) -> Article | None:
    """The article at this address of the site (any article, published or not), or None."""
    match = local_match(url)
    if match is None or match.view_name not in ("blog:article", "blog:article-comment-page"):
        return None
    return Article.objects.filter(slug=match.kwargs["slug"]).first()


def local_match(url: str):
    if not url.startswith(settings.SITE_URL + "/"):
        return None
    try:
        return resolve(urlsplit(url).path)
    except Resolver404:
        return None


def reply_target(in_reply_to) -> tuple[Article, Comment | None]:
    """What a reply answers: an article open to comments, or one of its published comments."""
    url = object_id(in_reply_to)
    article, parent = article_at(url), None
    if article is None:
        # A comment readers can see: by its permalink (ours, the site's replies' Note ids
        # included) or, for a reply from the fediverse, by its Note's id.
        public = Comment.objects.approved().select_related("article")
        match = local_match(url)
        if match is not None and match.view_name == "comments:permalink":
            comment_id = parse_id(match.kwargs.get("comment_id"))
            parent = public.filter(pk=comment_id).first() if comment_id else None
        elif url:
            parent = public.filter(remote_note__object_id=url).first()
        if parent is None:
            raise Refusal("That reply answers nothing on this site.", 404)
        article = parent.article
    if article is None or not article.is_published():
        raise Refusal("That reply answers nothing on this site.", 404)
    if not article.comments_are_open():
        raise Refusal("Comments are closed on this article.", 403)
    return article, parent


def own_note(activity: dict, actor: RemoteActor) -> RemoteNote | None:
    """The reply this activity is about, if it came from here; 403 if it is someone else's."""
    note = (
        RemoteNote.objects.select_related("comment")
        .filter(object_id=object_id(activity.get("object")))
        .first()
    )
    if note is not None and note.actor_id != actor.pk:
        raise Refusal("That reply is someone else's.", 403)
    return note


def update(activity: dict, actor: RemoteActor, fresh: dict) -> Answer:
    note = own_note(activity, actor)
    if note is None:
        return Answer(202, "Nothing to do.")
    comment = Comment.objects.locked().get(pk=note.comment_id)
    body = note_body(fresh)
    if body == comment.body or comment.status == Comment.Status.REMOVED:
        return Answer(202, "Nothing to do.")
    CommentRevision.objects.create(
        comment=comment,
        change=CommentRevision.Change.EDITED,
        body=comment.body,
        author_name=comment.author_name,
        author_url=comment.author_url,
        status=comment.status,
    )
    was_public = comment.is_approved()
    if was_public:
        change_status(comment, Comment.Status.PENDING)
    comment.body = body
    comment.save(update_fields=["body", "updated_at"])
    if was_public:
        became_held(comment)
    return Answer(202, "Your edit waits for a moderator.")


def delete(activity: dict, actor: RemoteActor) -> Answer:
    if object_id(activity.get("object")) == actor.url:
        Follower.objects.filter(actor=actor).delete()
        return Answer(202, "Gone.")
    note = own_note(activity, actor)
    if note is None:
        return Answer(202, "Nothing to do.")
    comment = Comment.objects.locked().get(pk=note.comment_id)
    if comment.status != Comment.Status.REMOVED:
        CommentRevision.objects.create(
            comment=comment,
            change=CommentRevision.Change.WITHDRAWN,
            body=comment.body,
            author_name=comment.author_name,
            author_url=comment.author_url,
            status=comment.status,
        )
        change_status(comment, Comment.Status.REMOVED)
    return Answer(202, "Withdrawn.")


# Reactions -----------------------------------------------------------------------


def react(activity: dict, actor: RemoteActor) -> Answer:
    article = article_at(object_id(activity.get("object")))
    if article is None or not article.is_published():
        return Answer(202, "Nothing to do.")
    Reaction.objects.get_or_create(
        article=article,
        actor=actor,
        kind=activity["type"],
        defaults={"activity_id": object_id(activity.get("id")) or actor.url},
    )
    count_reactions(article.pk)
    return Answer(202, "Counted.")


def count_reactions(article_id: int) -> None:
    """The article's counts, as the reactions stand: shown on its page."""
    reactions = Reaction.objects.filter(article_id=article_id)
    Article.objects.filter(pk=article_id).update(
        fediverse_likes=reactions.filter(kind=Reaction.Kind.LIKE).count(),
        fediverse_boosts=reactions.filter(kind=Reaction.Kind.ANNOUNCE).count(),
        discussion_changed_at=timezone.now(),
    )
