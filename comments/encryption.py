"""
Commenters' email addresses, encrypted at rest.

A copy of the database alone reveals no address: the ``author_email`` column
holds a Fernet token (AES with an HMAC) made with a key that lives only in the
environment (``DJANGO_COMMENT_EMAIL_KEYS``), and ``author_email_hash`` holds a
keyed hash (HMAC-SHA256) of the address in its canonical form (``mailbox()``),
so that comments can still be found by email, under any spelling of it,
without decrypting every row.

Keys are listed newest first. Tokens are made with the first key and read with
any of them (``MultiFernet``), and a look-up hashes the address with each key,
so a new key can be put in front at any time and the rows moved onto it
afterwards with ``manage.py rotate_email_key``. README.md, "Privacy", has the
steps.

In Python nothing changes: ``comment.author_email`` is the plain address, and
forms, the admin and the factories set it as before.
"""

import encodings.idna as idna
import re
import string
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models

# Every Fernet token starts with its version byte, 0x80, which is "gA" in base64.
TOKEN_PREFIX = "gA"
WRONG_KEY = (
    "A commenter's email address cannot be decrypted with DJANGO_COMMENT_EMAIL_KEYS: "
    "put the key it was encrypted with back in the list (after the new one)."
)


class EmailKeyError(ImproperlyConfigured):
    """The configured keys do not open what is stored."""


# RFC 5322's dot-atom: what a local part may be without quotes.
DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def ascii_lower(text: str) -> str:
    """Lower-case A to Z and nothing else: no other letter is folded onto them."""
    return text.translate(ASCII_LOWER)


def a_label(label: str) -> str | None:
    """
    The ASCII form (punycode) of one domain label, if it spells that label and no other.

    None for a label IDNA would change on the way (``ß`` to ``ss``, the Kelvin
    sign to ``k``, full-width letters, capitals outside A to Z): the mailer would
    write to another domain than the one typed.
    """
    if label.isascii():
        return ascii_lower(label)
    try:
        encoded = idna.ToASCII(label).decode("ascii")
        return encoded.lower() if idna.ToUnicode(encoded) == ascii_lower(label) else None
    except UnicodeError:
        return None


def canonical_email(email: str, *, subaddress: bool = True) -> str:
    """
    One spelling for every way of writing the same address: the rule, in one place.

    - surrounding spaces go;
    - a quoted local part loses its quotes where RFC 5321 allows it to be written
      without them (``"maya"@example.org`` is ``maya@example.org``);
    - ASCII letters are lower-cased (every mail host in use ignores their case),
      and no other letter is folded: the long s (U+017F), the Kelvin sign or a
      dotless i is never taken for s, k or i, so a look-alike address is another
      mailbox, never its victim's;
    - a domain label in Unicode is written in punycode, so ``exämple.org`` and
      ``xn--exmple-cua.org`` are one domain, and a trailing dot goes; a label
      punycode would change on the way stays as typed (comments/section/mailable.py
      refuses such addresses at the form);
    - with ``subaddress=False``, a ``+tag`` is dropped from the local part
      (``maya+blog@`` reaches ``maya@``): the form rate limits and look-ups use.
    """
    local, at, domain = email.strip().rpartition("@")
    if not at:
        return ascii_lower(email.strip())
    if len(local) >= 2 and local[0] == local[-1] == '"':
        unquoted = re.sub(r"\\(.)", r"\1", local[1:-1])
        if DOT_ATOM.fullmatch(unquoted):
            local = unquoted
    local = ascii_lower(local)
    if not subaddress and not local.startswith('"') and "+" in local.lstrip("+"):
        local = local[: local.index("+", 1)]
    return f"{local}@{canonical_domain(domain)}"


def canonical_domain(domain: str) -> str:
    """A domain's one spelling: each label in punycode if it is Unicode, ASCII case folded."""
    labels = domain.rstrip(".").split(".")
    return ".".join(a_label(label) or ascii_lower(label) for label in labels)


def mailbox(email: str) -> str:
    """The address as look-ups and the stored hash know it: canonical, without its +tag."""
    return canonical_email(email, subaddress=False)


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


@cache
def _hash_key(key: str) -> bytes:
    """A look-up key derived from an encryption key, so one variable holds both."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"comments.email-lookup"
    ).derive(key.encode())


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.COMMENT_EMAIL_KEYS))


def encrypt(email: str) -> str:
    return fernet().encrypt(email.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise EmailKeyError(WRONG_KEY) from None


def _digest(key: str, email: str, subaddress: bool) -> str:
    mac = hmac.HMAC(_hash_key(key), hashes.SHA256())
    mac.update(canonical_email(email, subaddress=subaddress).encode())
    return mac.finalize().hex()


def email_hash(email: str, *, subaddress: bool = False) -> str:
    """
    The keyed hash stored beside an address, with the newest key; "" for no address.

    Of the address's ``mailbox()`` form, so every spelling of it is found; with
    ``subaddress=True``, of its full canonical form, where ``maya+blog@`` is
    not ``maya@`` (what consent to email is given for, comments/mail/subscriptions.py).
    """
    if not email.strip():
        return ""
    return _digest(settings.COMMENT_EMAIL_KEYS[0], email, subaddress)


def email_hashes(email: str, *, subaddress: bool = False) -> list[str]:
    """The hashes this address may be stored under: one per key, newest first."""
    if not email.strip():
        return []
    return [_digest(key, email, subaddress) for key in settings.COMMENT_EMAIL_KEYS]


class EncryptedEmailField(models.EmailField):
    """
    An email address that Python sees in clear and the database only encrypted.

    Validated, and shown in forms and the admin, as an ``EmailField``; stored
    in a text column, since a token is longer than the address. The only
    look-up allowed is ``isnull``: an encrypted column cannot be compared or
    searched, so anything else fails loudly instead of silently matching
    nothing. Look comments up with ``Comment.objects.by_email()``.
    """

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def to_python(self, value):
        # A serialized row (dumpdata) carries the token, never the address.
        if isinstance(value, str) and value.startswith(TOKEN_PREFIX) and "@" not in value:
            return decrypt(value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value

    def value_to_string(self, obj) -> str:
        value = self.value_from_object(obj)
        return encrypt(value) if value else ""

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.name} is encrypted and cannot be searched; "
                "look comments up with Comment.objects.by_email()."
            )
        return super().get_lookup(lookup_name)


class EmailHashField(models.CharField):
    """The keyed hash of another field's address, filled in whenever the row is written."""

    def __init__(self, *args, source: str, subaddress: bool = False, **kwargs):
        self.source = source
        self.subaddress = subaddress
        kwargs.update(max_length=64, editable=False, blank=True, db_index=True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.subaddress:
            kwargs["subaddress"] = True
        for fixed in ("max_length", "editable", "blank", "db_index"):
            kwargs.pop(fixed, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = email_hash(getattr(model_instance, self.source) or "", subaddress=self.subaddress)
        setattr(model_instance, self.attname, value)
        return value
