"""Emails at rest: encrypted in the database, plain in Python, found by a keyed hash."""

import io
import json
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, hmac
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import FieldError, ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from comments.checks import check_email_key
from comments.desk.admin import CommentAdmin
from comments.encryption import EmailKeyError, _hash_key, canonical_email, email_hash, mailbox
from comments.models import Comment, Delivery, Mailbox
from comments.section.mailable import is_mailable
from tests.config.test_settings import PRODUCTION, manage
from tests.conftest import migrated_back_to, reset_task_backends
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

EMAIL = "Maya.Okafor@Example.net"
NEW_KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()


def raw_rows() -> list[tuple]:
    """Every column of every comment, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Comment._meta.db_table}")
        return cursor.fetchall()


def assert_not_in_database(email: str) -> None:
    for row in raw_rows():
        stored = " ".join(str(value) for value in row).lower()
        assert email.lower() not in stored
        assert email.split("@")[0].lower() not in stored


def test_posted_email_is_stored_encrypted_and_read_back_in_clear(post_comment, comment_data):
    """A reader's address never reaches the database in clear; Python sees it unchanged."""
    comment_data["author_email"] = EMAIL
    post_comment(comment_data)
    assert_not_in_database(EMAIL)
    comment = Comment.objects.get()
    assert comment.author_email == EMAIL
    assert len(comment.author_email_hash) == 64


def test_same_address_encrypts_differently_each_time():
    """One address gives one look-up hash but a new ciphertext on every row."""
    CommentFactory(author_email=EMAIL)
    CommentFactory(author_email=EMAIL.lower())
    tokens = {row[0] for row in _tokens()}
    hashes = set(Comment.objects.values_list("author_email_hash", flat=True))
    assert len(tokens) == 2
    assert len(hashes) == 1


def _tokens() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT author_email FROM {Comment._meta.db_table}")
        return cursor.fetchall()


def test_staff_read_the_email_in_the_admin_and_edits_keep_it_sealed(superuser_client):
    """The queue and the change form show the address in clear; saving an edit re-encrypts it."""
    comment = CommentFactory(author_email=EMAIL, status=Comment.Status.PENDING)
    queue = superuser_client.get(reverse("admin:comments_comment_changelist"))
    assert EMAIL in queue.content.decode()
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    assert EMAIL in superuser_client.get(url).content.decode()

    form = {"status": comment.status, "body": "Fixed a typo.", "author_name": "Maya"}
    assert superuser_client.post(url, form).status_code == 302
    comment.refresh_from_db()
    assert (comment.body, comment.author_email) == ("Fixed a typo.", EMAIL)
    assert list(Comment.objects.by_email(EMAIL)) == [comment]
    assert_not_in_database(EMAIL)


def test_finding_a_commenter_by_email_goes_through_the_keyed_hash(superuser_client):
    """The desk's email form finds that commenter's comments only, whatever the case."""
    mine = CommentFactory(author_email=EMAIL, author_name="Maya")
    CommentFactory(author_email="other@example.net", author_name="Someone Else")
    find = reverse("admin:comments_comment_find_commenter")
    page = superuser_client.post(find, {"email": " maya.okafor@example.NET "}, follow=True)
    assert list(page.context["cl"].result_list) == [mine]


def test_admin_search_listing_the_email_field_still_works(superuser_client, monkeypatch):
    """A search_fields naming author_email leaves it out instead of failing on it."""
    monkeypatch.setattr(CommentAdmin, "search_fields", ["author_name", "author_email"])
    CommentFactory(author_email=EMAIL, author_name="Maya")
    CommentFactory(author_email="other@example.net", author_name="Sam")
    changelist = reverse("admin:comments_comment_changelist")
    for term, found in ((EMAIL, []), ("Sam", ["Sam"]), ("maya.okafor", [])):
        page = superuser_client.get(changelist, {"q": term})
        assert page.status_code == 200
        assert [c.author_name for c in page.context["cl"].result_list] == found


def test_encrypted_column_refuses_searches():
    """Filtering on the ciphertext could only silently fail, so it fails loudly instead."""
    with pytest.raises(FieldError, match="by_email"):
        Comment.objects.filter(author_email=EMAIL).exists()
    with pytest.raises(FieldError, match="by_email"):
        Comment.objects.filter(author_email__icontains="maya").exists()
    assert not Comment.objects.filter(author_email__isnull=True).exists()


def test_model_validation_still_checks_the_address():
    """An invalid or over-long address is refused by full_clean, as an EmailField would."""
    comment = CommentFactory.build(author_email="not-an-address")
    with pytest.raises(ValidationError) as error:
        comment.full_clean(exclude=["article"])
    assert "author_email" in error.value.message_dict
    comment.author_email = f"{'a' * 250}@example.org"
    with pytest.raises(ValidationError):
        comment.full_clean(exclude=["article"])


def test_dumpdata_holds_tokens_and_loaddata_restores_addresses(tmp_path):
    """A JSON dump is a copy of the database: it carries ciphertext, and loads back."""
    comment = CommentFactory(author_email=EMAIL)
    dump = tmp_path / "comments.json"
    call_command("dumpdata", "comments", output=str(dump))
    text = dump.read_text()
    assert EMAIL.lower() not in text.lower()
    assert json.loads(text)[0]["fields"]["author_email"].startswith("gA")

    Comment.objects.all().delete()
    call_command("loaddata", str(dump), verbosity=0)
    assert Comment.objects.get(pk=comment.pk).author_email == EMAIL
    assert Comment.objects.by_email(EMAIL).count() == 1


def test_rotation_keeps_every_row_readable_and_findable(settings):
    """A new key in front keeps old rows readable and findable; after rotation the old key goes."""
    old = CommentFactory(author_email=EMAIL)
    old_key = settings.COMMENT_EMAIL_KEYS[0]
    settings.COMMENT_EMAIL_KEYS = [NEW_KEY, old_key]
    new = CommentFactory(author_email=EMAIL)
    assert set(Comment.objects.by_email(EMAIL)) == {old, new}

    out = io.StringIO()
    call_command("rotate_email_key", stdout=out)
    assert out.getvalue().strip() == "Re-encrypted 2 email addresses with the newest key."

    settings.COMMENT_EMAIL_KEYS = [NEW_KEY]
    assert {c.author_email for c in Comment.objects.by_email(EMAIL)} == {EMAIL}
    assert Comment.objects.by_email(EMAIL).count() == 2
    assert_not_in_database(EMAIL)


def test_rotation_moves_the_addresses_that_asked_for_email(settings):
    """Mailboxes are re-encrypted and re-hashed too: found by both hashes under the new key."""
    Mailbox.objects.create(email="Maya+Blog@Example.net", confirmed_at=timezone.now())
    old_key = settings.COMMENT_EMAIL_KEYS[0]
    settings.COMMENT_EMAIL_KEYS = [NEW_KEY, old_key]
    out = io.StringIO()
    call_command("rotate_email_key", stdout=out)
    assert out.getvalue().strip() == "Re-encrypted 1 email address with the newest key."

    settings.COMMENT_EMAIL_KEYS = [NEW_KEY]
    assert Mailbox.objects.by_email("maya+blog@example.net").get().is_confirmed()
    assert Mailbox.objects.of_person("maya@example.net").count() == 1
    assert not Mailbox.objects.by_email("maya@example.net").exists()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Mailbox._meta.db_table}")
        stored = " ".join(map(str, cursor.fetchone())).lower()
    assert "maya" not in stored and "example.net" not in stored


def test_rotation_moves_the_moderators_addresses_in_the_outbox(
    settings,
    post_comment,
    comment_data,
    moderator,
    superuser_client,
    django_capture_on_commit_callbacks,
    run_worker,
):
    """A held comment's email, queued before the rotation, is sent, shown and forgotten after it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    reset_task_backends()
    # Superusers hear of held comments too: this one has no address, one email is followed.
    get_user_model().objects.filter(is_superuser=True).update(email="")
    with django_capture_on_commit_callbacks(execute=True):
        assert post_comment(comment_data).status_code == 302
    delivery = Delivery.objects.get(kind=Delivery.Kind.HELD)
    old_key = settings.COMMENT_EMAIL_KEYS[0]
    settings.COMMENT_EMAIL_KEYS = [NEW_KEY, old_key]
    out = io.StringIO()
    call_command("rotate_email_key", stdout=out)
    # The commenter's address and the moderator's.
    assert out.getvalue().strip() == "Re-encrypted 2 email addresses with the newest key."

    settings.COMMENT_EMAIL_KEYS = [NEW_KEY]
    run_worker()
    assert [message.to for message in mail.outbox] == [[moderator.email]]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    page = superuser_client.get(reverse("admin:comments_delivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    assert moderator.email not in page.content.decode()
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(days=31))
    retention = io.StringIO()
    call_command("apply_retention", stdout=retention)
    assert "Forgot 1 sent or finished emails" in retention.getvalue()
    assert not Delivery.objects.exists()


def test_wrong_key_is_named_in_one_sentence(settings):
    """A key that did not encrypt the rows is named in one sentence; migrate's check refuses."""
    CommentFactory(author_email=EMAIL)
    settings.COMMENT_EMAIL_KEYS = [OTHER_KEY]
    with pytest.raises(EmailKeyError, match="cannot be decrypted with DJANGO_COMMENT_EMAIL_KEYS"):
        Comment.objects.get()
    with pytest.raises(SystemCheckError, match="cannot be decrypted with DJANGO_COMMENT"):
        call_command("check", databases=["default"])


def test_database_check_passes_with_the_right_key():
    """The same check is silent when the key opens the newest row."""
    CommentFactory(author_email=EMAIL)
    out = io.StringIO()
    call_command("check", databases=["default"], stdout=out)
    assert "no issues" in out.getvalue()


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        (
            {},
            "Configuration error: DJANGO_COMMENT_EMAIL_KEYS must be set when DJANGO_DEBUG is "
            'off; make a key with python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())".',
        ),
        (
            {"DJANGO_COMMENT_EMAIL_KEYS": "my-secret-but-not-a-fernet-key"},
            "Configuration error: DJANGO_COMMENT_EMAIL_KEYS holds a value that is not a Fernet "
            "key (32 url-safe base64-encoded bytes, 44 characters).",
        ),
        (
            {"DJANGO_COMMENT_EMAIL_KEYS": f"{NEW_KEY},short"},
            "Configuration error: DJANGO_COMMENT_EMAIL_KEYS holds a value that is not a Fernet "
            "key (32 url-safe base64-encoded bytes, 44 characters).",
        ),
        (
            {"DJANGO_COMMENT_EMAIL_KEYS": "cmVsaWVmLW5vdGVzLWRldi1vbmx5LW5ldmVyLXByb2Q="},
            "Configuration error: DJANGO_COMMENT_EMAIL_KEYS holds the public development key; "
            "make a key of your own.",
        ),
    ],
)
def test_missing_or_malformed_key_stops_the_process(env, sentence):
    """Production without a usable key refuses to start, in one line that never echoes it."""
    production = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_COMMENT_EMAIL_KEYS"}
    result = manage("check", **production, **env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [sentence]
    assert "my-secret" not in result.stderr


def test_debug_runs_with_zero_configuration():
    """`make run` and `make test` need no key: debug falls back to the development key."""
    result = manage("check", DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db(transaction=True)
def test_migration_encrypts_existing_rows_and_reverses():
    """The data migration encrypts and hashes rows stored in clear, and reverses cleanly."""
    executor = MigrationExecutor(connection)
    before = [("comments", "0001_initial")]
    # Every app's latest: going back also unapplies the apps built on comments.
    after = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    assert check_email_key(databases=["default"]) == []
    old_apps = executor.loader.project_state(before).apps
    Article = old_apps.get_model("blog", "Article")
    OldComment = old_apps.get_model("comments", "Comment")
    article = Article.objects.create(title="Old", slug="old", body="Old.", body_html="Old.")
    OldComment.objects.create(
        article=article, author_name="Maya", author_email=EMAIL, body="Written in clear."
    )
    assert EMAIL in str(raw_rows())

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    assert_not_in_database(EMAIL)
    comment = Comment.objects.by_email(EMAIL).get()
    assert comment.author_email == EMAIL
    assert comment.updated_at == comment.created_at

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    assert EMAIL in str(raw_rows())
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    assert Comment.objects.by_email(EMAIL).get().author_email == EMAIL


def test_blank_address_finds_no_one_not_even_erased_comments():
    """Erased comments have no address; looking up a blank one must not return them all."""
    CommentFactory(author_email=EMAIL)
    Comment.objects.update(author_email="", author_email_hash="")
    assert not Comment.objects.by_email("  ").exists()


def test_saving_only_the_address_updates_its_hash_too():
    """save(update_fields=["author_email"]) keeps the look-up hash in step with the address."""
    comment = CommentFactory(author_email=EMAIL)
    comment.author_email = "new@example.org"
    comment.save(update_fields=["author_email"])
    assert list(Comment.objects.by_email("new@example.org")) == [comment]
    assert not Comment.objects.by_email(EMAIL).exists()


@pytest.mark.django_db(transaction=True)
def test_migration_rehashes_old_rows_so_every_spelling_finds_them(settings):
    """Rows hashed before the canonical form are found under any spelling once migrated."""
    old = migrated_back_to("comments", "0006_replies_follow_their_parent")
    article = old.get_model("blog", "Article").objects.create(
        title="Old", slug="old", body="Old.", body_html="<p>Old.</p>", status="published"
    )
    comment = old.get_model("comments", "Comment").objects.create(
        article=article, author_name="Old", author_email="Flood-A+blog@Example.org", body="Old."
    )
    mac = hmac.HMAC(_hash_key(settings.COMMENT_EMAIL_KEYS[0]), hashes.SHA256())
    mac.update(b"flood-a+blog@example.org")  # How the old code hashed it: stripped, lower-cased.
    old_hash = mac.finalize().hex()
    old.get_model("comments", "Comment").objects.filter(pk=comment.pk).update(
        author_email_hash=old_hash
    )

    call_command("migrate", verbosity=0)
    for spelling in ('"flood-a"@example.org', "flood-a@EXAMPLE.ORG", "flood-a+blog@example.org"):
        assert Comment.objects.by_email(spelling).get().pk == comment.pk


@pytest.mark.parametrize(
    ("look_alike", "ascii"),
    [
        ("\u017fam@example.org", "sam@example.org"),  # U+017F, long s
        ("\u212aate@example.org", "kate@example.org"),  # U+212A, Kelvin sign
        ("\u0131van@example.org", "ivan@example.org"),  # dotless i
        ("\u0130van@example.org", "ivan@example.org"),  # dotted capital I
        ("sam@\u212aexample.org", "sam@kexample.org"),
        ("sam@stra\u00dfe.example", "sam@strasse.example"),  # IDNA 2003 would map ß to ss
    ],
)
def test_a_look_alike_is_never_the_same_mailbox(look_alike, ascii):
    """The canonical form folds ASCII case only: no look-alike letter lands on another's."""
    assert canonical_email(look_alike) != canonical_email(ascii)
    assert mailbox(look_alike) != mailbox(ascii)
    assert email_hash(look_alike) != email_hash(ascii)
    CommentFactory(author_email=ascii)
    assert not Comment.objects.by_email(look_alike).exists()


@pytest.mark.parametrize(
    "spelling",
    ["Maya@Example.net", '"maya"@example.net', "MAYA@EXAMPLE.NET.", "maya+x@example.net"],
)
def test_ascii_case_quotes_and_tags_are_still_one_mailbox(spelling):
    assert mailbox(spelling) == "maya@example.net"


def test_an_international_domain_is_one_domain_in_either_spelling():
    """A domain in Unicode and in punycode is one domain: that is its identity, not a fold."""
    assert canonical_email("ana@Ex\u00e4mple.org") == "ana@xn--exmple-cua.org"
    assert canonical_email("ana@XN--EXMPLE-CUA.ORG") == "ana@xn--exmple-cua.org"


@pytest.mark.django_db(transaction=True)
def test_migration_rehashes_look_alikes_apart_from_the_addresses_they_mimic(settings):
    """
    Rows hashed while the canonical form case-folded every letter: after the migration a
    look-alike is found under its own spelling only, an ASCII address under all of its own.
    """
    old = migrated_back_to("comments", "0014_staff_edit_revisions")
    article = old.get_model("blog", "Article").objects.create(
        title="Old", slug="old", body="Old.", body_html="<p>Old.</p>", status="published"
    )

    def old_digest(canonical: str) -> str:
        mac = hmac.HMAC(_hash_key(settings.COMMENT_EMAIL_KEYS[0]), hashes.SHA256())
        mac.update(canonical.encode())
        return mac.finalize().hex()

    OldComment = old.get_model("comments", "Comment")
    OldMailbox = old.get_model("comments", "Mailbox")
    rows = {}
    for address in ["\u017fam@example.org", "Kate+blog@Example.org"]:
        folded = address.casefold().replace("+blog", "")
        comment = OldComment.objects.create(
            article=article, author_name="Old", author_email=address, body=address
        )
        OldComment.objects.filter(pk=comment.pk).update(author_email_hash=old_digest(folded))
        rows[address] = comment.pk
    # The look-alike typed first took the victim's mailbox under the old rule.
    taken = OldMailbox.objects.create(email="\u017fam@example.org")
    OldMailbox.objects.filter(pk=taken.pk).update(
        email_hash=old_digest("sam@example.org"), lookup_hash=old_digest("sam@example.org")
    )

    call_command("migrate", verbosity=0)
    assert not Comment.objects.by_email("sam@example.org").exists()
    assert Comment.objects.by_email("\u017fam@example.org").get().pk == rows["\u017fam@example.org"]
    for spelling in ["kate@example.org", "KATE+blog@example.ORG"]:
        assert Comment.objects.by_email(spelling).get().pk == rows["Kate+blog@Example.org"]
    assert not Mailbox.objects.by_email("sam@example.org").exists()
    assert Mailbox.objects.by_email("\u017fam@example.org").get().pk == taken.pk
    assert not Mailbox.objects.of_person("sam@example.org").exists()


@pytest.mark.parametrize(
    ("address", "mailable"),
    [
        ("sam@example.org", True),
        ("Sam@Ex\u00e4mple.org", True),
        ("sam@xn--exmple-cua.org", True),
        ('"sam"@example.org', True),
        ("sam@[192.0.2.1]", True),
        ("", False),
        ("@example.org", False),
        ("sam@", False),
        ("sam@example.org, eve@evil.example", False),
        ("\u017fam@example.org", False),
        ("sam@example\uff0eorg", False),
        ("sam@" + "b" * 70 + "\u00e4.org", False),  # a label IDNA cannot encode
    ],
)
def test_only_addresses_the_mailer_writes_to_as_typed_are_mailable(address, mailable):
    assert is_mailable(address) is mailable
