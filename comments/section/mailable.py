"""
Whether the site can send email to an address exactly as it was typed.

Django's email validator accepts a few letters outside ASCII in the local
part (Python's case-insensitive ``[A-Z]`` matches the long s U+017F, the
Kelvin sign U+212A and the dotted and dotless i), and any Unicode domain. The
SMTP backend then refuses a local part outside ASCII (no SMTPUTF8), and writes
a Unicode domain with IDNA 2003, which turns ``ß`` into ``ss``, the Kelvin
sign into ``k``, full-width letters into ASCII: mail for one domain goes to
another. Such an address is refused at the form, with a sentence beside the
field, instead of being stored and failing (or reaching someone else) later.

What is accepted is written to exactly as typed, and its canonical form
(comments/encryption.py) folds ASCII case only: two addresses the site can
send to share a mailbox only if they are one mailbox.
"""

from email.errors import HeaderParseError
from email.headerregistry import AddressHeader

from comments.encryption import ascii_lower, canonical_domain

CANNOT_SEND = (
    "We cannot send email to this address as it is written. Please check it (a letter that "
    "only looks like a Latin one is the usual cause), or use another address."
)


def is_mailable(address: str) -> bool:
    """Whether the SMTP backend would write to this address, and to this one only."""
    try:
        parsed = AddressHeader.value_parser(address.strip())
    except (HeaderParseError, IndexError, ValueError):
        return False
    if parsed.all_defects or len(parsed.all_mailboxes) != 1:
        return False
    mailbox = parsed.all_mailboxes[0]
    if not mailbox.local_part or not mailbox.local_part.isascii() or not mailbox.domain:
        return False
    return written_to(mailbox.domain) == canonical_domain(mailbox.domain)


def written_to(domain: str) -> str | None:
    """
    The domain Django's SMTP backend writes to for this one (``prep_address``:
    IDNA 2003 for a Unicode domain, which also reads 。 and ． as dots), in ASCII
    lower case; None if it cannot.
    """
    if domain.isascii():
        return ascii_lower(domain).rstrip(".")
    try:
        return ascii_lower(domain.encode("idna").decode("ascii")).rstrip(".")
    except UnicodeError:
        return None
