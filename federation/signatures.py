"""
HTTP Signatures as Mastodon makes and checks them (draft-cavage-http-signatures-12).

``sign`` writes the headers of a request the site makes: ``Date``, ``Digest``
(of a body) and ``Signature``, rsa-sha256 over ``(request-target)``, ``host``,
``date`` and, with a body, ``digest``. ``check`` reads an incoming request's:
every one of those headers must be signed, the ``Digest`` must be the body's,
and the ``Date`` within ``SIGNATURE_MAX_AGE_SECONDS`` of our clock. Which key
signed is ``keyId``; verifying with it is ``verify``. Each failure raises
``BadSignature`` with a sentence, which the inbox answers with 401.
"""

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from federation.conf import SIGNATURE_MAX_AGE_SECONDS

REQUIRED_WITH_BODY = ("(request-target)", "host", "date", "digest")
REQUIRED = ("(request-target)", "host", "date")
PARAMETER = re.compile(r'\s*([a-zA-Z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


class BadSignature(Exception):
    """The request is not proven to come from whom it claims: 401."""


def new_key_pair() -> tuple[str, str]:
    """A new 2048-bit RSA key pair, as PEM texts (private, public)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode(), public.decode()


def digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def http_date(moment: datetime | None = None) -> str:
    return format_datetime(moment or datetime.now(UTC), usegmt=True)


def sign(
    method: str, url: str, key_id: str, private_key_pem: str, body: bytes | None = None
) -> dict[str, str]:
    """The headers that sign this request: Date, Digest with a body, Signature."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": parts.netloc, "Date": http_date()}
    names = REQUIRED
    if body is not None:
        headers["Digest"] = digest(body)
        names = REQUIRED_WITH_BODY
    lines = signing_string(names, method, target, {k.lower(): v for k, v in headers.items()})
    signature = private_key(private_key_pem).sign(
        lines.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    del headers["Host"]  # http.client sends it, the same
    return headers


@lru_cache(maxsize=4)
def private_key(pem: str) -> rsa.RSAPrivateKey:
    """
    The site's key, loaded once per process: loading checks the key, which takes
    hundreds of milliseconds, a hundred times what signing with it does.
    """
    return serialization.load_pem_private_key(pem.encode(), password=None)


def signing_string(names, method: str, target: str, headers: dict[str, str]) -> str:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        else:
            lines.append(f"{name}: {headers[name]}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Signed:
    """An incoming request's signature, its form checked, its key not yet."""

    key_id: str
    signature: bytes
    signed_text: str


def check(method: str, target: str, headers: dict[str, str], body: bytes) -> Signed:
    """
    Read and check the form of a request's signature: what it covers, its Digest, its Date.

    ``headers`` are the request's, by lower-case name. Raises ``BadSignature``.
    """
    header = headers.get("signature", "")
    if not header:
        raise BadSignature("The request is not signed.")
    parameters = dict(PARAMETER.findall(header))
    key_id, names = parameters.get("keyId", ""), parameters.get("headers", "date").split()
    if not key_id or "signature" not in parameters:
        raise BadSignature("The signature has no keyId or no signature.")
    if parameters.get("algorithm", "rsa-sha256") not in ("rsa-sha256", "hs2019"):
        raise BadSignature("The signature's algorithm is not rsa-sha256.")
    missing = [name for name in REQUIRED_WITH_BODY if name not in names]
    if missing:
        raise BadSignature(f"The signature does not cover {', '.join(missing)}.")
    if any(name != "(request-target)" and name not in headers for name in names):
        raise BadSignature("The signature covers a header the request does not have.")
    if headers["digest"].strip() != digest(body):
        raise BadSignature("The Digest header is not the body's.")
    try:
        sent = parsedate_to_datetime(headers["date"])
    except (TypeError, ValueError) as error:
        raise BadSignature("The Date header is not a date.") from error
    if sent.tzinfo is None or abs((datetime.now(UTC) - sent).total_seconds()) > (
        SIGNATURE_MAX_AGE_SECONDS
    ):
        raise BadSignature("The Date header is too far from now (a replay, or a wrong clock).")
    try:
        signature = base64.b64decode(parameters["signature"], validate=True)
    except ValueError as error:
        raise BadSignature("The signature is not base64.") from error
    return Signed(key_id, signature, signing_string(names, method, target, headers))


def verify(signed: Signed, public_key_pem: str) -> bool:
    """Whether this public key made the signature."""
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        key.verify(
            signed.signature, signed.signed_text.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
