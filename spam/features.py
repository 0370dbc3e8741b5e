"""
What the filter reads in a sample: its features, as short strings.

A feature is a word of the text, a pair of words, a link's domain, or a trait
of how the comment is written (its length, its scripts, its capitals, its
links, its browser). Each is named by a short key, "w:casino", "dom:example.net",
"caps:most", from which ``describe`` makes the sentence the desk shows.

Pure functions of the sample: no database, no settings. Text arrives from
anyone, so everything here is bounded: at most ``MAX_CHARS`` characters are
read, at most ``MAX_FEATURES`` features come out, each counted once however
often it occurs (10,000 times one word is one word), and no input raises.

What is never a feature: the email address (the sample has none), the IP
address (nor that), and the commenter's name: only its shape (how many
words, digits, capitals, scripts) is read, so the model holds no statistic of
anyone's name.
"""

import contextlib
import functools
import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

# Raised whenever what ``features`` gives changes: lessons read by an earlier
# version must be learned again from their comments (manage.py rebuild_spam_filter).
VERSION = 1
# What one comment may weigh: characters read (a comment has at most 5,000),
# words read, features given.
MAX_CHARS = 6_000
MAX_WORDS = 400
MAX_FEATURES = 300
# Capitals are counted in this much of the text: a share needs no more.
SHAPE_CHARS = 2_000
# Words longer than this are not words (a run of letters, base64, a hash).
MAX_WORD = 30


@dataclass(frozen=True)
class Sample:
    """
    What the filter may know of a comment: what it says and how.

    The host app maps its own objects to this; nothing here names a person's
    email address or IP address, and the name is read for its shape only.
    """

    text: str
    name: str = ""
    website: str = ""
    user_agent: str = ""
    is_reply: bool = False


# Characters that show nothing but split or disguise words: zero widths, joiners,
# the soft hyphen, bidirectional controls, the byte order mark, variation selectors.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
# Letters of other scripts that look like Latin ones, as spammers slip them into
# Latin words ("pаypal" with a Cyrillic а). Only used inside words that mix scripts.
LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ь": "b", "г": "r",
        "п": "n", "и": "u", "л": "n", "ч": "4", "з": "3",
        # Greek
        "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "ζ": "z", "η": "n", "ι": "i",
        "κ": "k", "μ": "u", "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "ς": "c", "τ": "t",
        "υ": "u", "χ": "x", "ω": "w",
        # Armenian and others seen in spam
        "օ": "o", "ս": "u", "հ": "h", "ո": "n", "ց": "g", "զ": "q",
    }
)  # fmt: skip
# Scripts written without spaces between words: read as pairs of characters.
UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
# A host written without a scheme: words joined by dots, ending in a top-level
# domain of letters ("cheap-pills.shop/buy").
BARE_HOST = re.compile(
    r"\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|info|biz|ru|cn|xyz|top|"
    r"online|site|shop|store|club|live|io|co|me|us|uk|de|fr|in|pl|pw|tk|ml|ga|cf|gq|ly|"
    r"be|cc|su|ua|vip|win|bid|loan|work|click|link|today|fun|icu|cyou|buzz|rest|sbs)"
    r"(?:/[^\s<>\"']*)?(?![\w.-]*\w)",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
WORD = re.compile(r"[^\W_]+", re.UNICODE)
DIGITS = re.compile(r"\d+")
DIGIT = re.compile(r"\d")
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]")
COMBINING_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
MARKS = re.compile(f"[{COMBINING_MARKS}]")
# Marks on a Latin letter: accents, or a pile of them ("Zalgo" text). Elsewhere
# (a Cyrillic й, Devanagari vowels) marks are part of the letter and stay.
LATIN_MARKS = re.compile(f"([A-Za-z\u00c0-\u024f\u1e00-\u1eff])[{COMBINING_MARKS}]+")
PHONE = re.compile(r"(?:\+?\d[\d\s().-]{6,}\d)")
MONEY = re.compile(r"[$£€¥₹₽]\s?\d|\d\s?[$£€¥₹₽]|\b\d+\s?(?:usd|eur|gbp|dollars?|bucks)\b", re.I)
MARKUP = re.compile(r"<\s*/?\s*(?:a|img|b|i|p|div|span|iframe|script)\b|href\s*=", re.I)
BBCODE = re.compile(r"\[/?(?:url|link|img|b)\b", re.I)
SHORTENERS = frozenset(
    {
        *("bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly", "cutt.ly"),
        *("rebrand.ly", "shorturl.at", "tiny.cc", "rb.gy", "t.ly", "bl.ink", "short.io", "s.id"),
        *("v.gd", "qr.ae", "lnkd.in", "tr.im", "shorte.st", "adf.ly"),
    }
)
# Second-level labels under which a country's domains are registered (example.co.uk).
SECOND_LEVELS = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go", "gob"})
TOOL_AGENTS = re.compile(
    r"curl|wget|python|requests|aiohttp|httpx|go-http|java/|okhttp|libwww|perl|ruby|php|"
    r"scrapy|node-fetch|axios|undici|httpclient|postman|insomnia|bot\b|spider|crawl",
    re.I,
)
BROWSERS = [  # Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
    ("edge", re.compile(r"edg(?:e|a|ios)?/", re.I)),
    ("opera", re.compile(r"opr/|opera", re.I)),
    ("samsung", re.compile(r"samsungbrowser", re.I)),
    ("firefox", re.compile(r"firefox|fxios", re.I)),
    ("chrome", re.compile(r"chrome|crios|chromium", re.I)),
    ("safari", re.compile(r"safari", re.I)),
]
SYSTEMS = [
    ("android", re.compile(r"android", re.I)),
    ("ios", re.compile(r"iphone|ipad|ipod", re.I)),
    ("windows", re.compile(r"windows", re.I)),
    ("mac", re.compile(r"macintosh|mac os", re.I)),
    ("linux", re.compile(r"linux|x11|cros", re.I)),
]


@functools.cache
def script_of(char: str) -> str:
    """The script a letter belongs to, by the first word of its Unicode name ("LATIN")."""
    try:
        name = unicodedata.name(char)
    except ValueError:
        return "OTHER"
    first = name.split(" ", 1)[0]
    if first in {"CJK", "HIRAGANA", "KATAKANA"}:
        return "CJK"
    if first in {"MATHEMATICAL", "FULLWIDTH", "CIRCLED", "PARENTHESIZED", "SQUARED"}:
        return "LATIN"  # Styled Latin letters; NFKC has usually mapped them already.
    return first


def bucket(value: float, edges: tuple[float, ...]) -> int:
    """How many of the ascending ``edges`` ``value`` reaches: a small number for a key."""
    return sum(value >= edge for edge in edges)


def registered_domain(host: str) -> str:
    """The domain someone registered: "shop.cheap.example.co.uk" gives "example.co.uk"."""
    labels = [label for label in host.lower().strip(".").split(".") if label]
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVELS:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def host_features(url: str, prefix: str) -> list[str]:
    """What a web address says: its domain, top-level domain, and the words of its path."""
    candidate = url if "://" in url else f"http://{url}"
    try:
        parts = urlsplit(candidate)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return [f"{prefix}-broken"]
    if not host:
        return [f"{prefix}-broken"]
    # A name the IDNA codec refuses is kept as typed: a sign in itself.
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    keys = []
    if re.fullmatch(r"[\d.]+|[0-9a-f:]+", host):
        keys.append(f"{prefix}-ip")
    else:
        domain = registered_domain(host)
        keys += [f"{prefix}:{domain}", f"{prefix}-tld:{domain.rsplit('.', 1)[-1]}"]
        if domain in SHORTENERS:
            keys.append("shortener")
        if host.startswith("xn--") or ".xn--" in host:
            keys.append(f"{prefix}-punycode")
    path_words = WORD.findall(unicodedata.normalize("NFKC", parts.path + " " + parts.query))
    keys += [f"{prefix}-w:{word.casefold()}" for word in path_words[:8] if len(word) <= MAX_WORD]
    return keys


def clean(text: str) -> tuple[str, dict[str, int]]:
    """
    The text as words should be read, and what the cleaning found.

    Invisible characters go; compatibility forms fold (NFKC: "𝐯𝐢𝐚𝐠𝐫𝐚" and
    "ｖｉａｇｒａ" read "viagra"); accents and piled-up marks on Latin letters go.
    """
    text = text[:MAX_CHARS]
    if text.isascii():  # Nothing invisible, nothing to fold, no marks.
        return text, {"invisible": 0, "marks": 0}
    text, invisible = INVISIBLE.subn("", text)
    text = unicodedata.normalize("NFKC", text)
    decomposed = unicodedata.normalize("NFD", text)
    marks = len(MARKS.findall(decomposed))
    if marks:
        text = unicodedata.normalize("NFC", LATIN_MARKS.sub(r"\1", decomposed))
    return text, {"invisible": invisible, "marks": marks}


def hash_digits(match: re.Match) -> str:
    """A number as its count of digits, up to six: "2005" reads "####", a phone "######"."""
    return "#" * min(len(match.group()), 6)


def word_keys(word: str, scripts_seen: Counter) -> tuple[list[str], bool]:
    """
    The keys one word gives (itself, or its pairs of characters in an unspaced
    script), and whether it mixed scripts (a Latin word with a Cyrillic letter).
    """
    if word.isascii():  # Without a look at each letter.
        scripts_seen["LATIN"] += len(word)
        if not word.isalpha():
            word = DIGITS.sub(hash_digits, word)
        return ([f"w:{word}"] if len(word) <= MAX_WORD else ["long-word"]), False
    letters = [char for char in word if char.isalpha()]
    scripts = {"LATIN" if char.isascii() else script_of(char) for char in letters}
    for char in letters:
        scripts_seen["LATIN" if char.isascii() else script_of(char)] += 1
    mixed = len(scripts) > 1 and "LATIN" in scripts and not UNSPACED.search(word)
    if mixed:
        word = word.translate(LOOKALIKES)
    word = DIGITS.sub(hash_digits, word)
    if UNSPACED.search(word):
        if len(word) == 1:
            return [f"w:{word}"], False
        return [f"w:{word[i : i + 2]}" for i in range(min(len(word) - 1, 60))], False
    if len(word) > MAX_WORD:
        return ["long-word"], mixed
    return [f"w:{word}"], mixed


def text_features(text: str) -> list[str]:
    """The words, pairs of words, links and shape of a comment's text."""
    raw = text[:MAX_CHARS]
    cleaned, found = clean(raw)
    keys: list[str] = []
    if found["invisible"]:
        keys.append("invisible-chars")
    if found["marks"] > 10 and found["marks"] > len(cleaned) // 4:
        keys.append("piled-marks")

    links = [match.group() for match in URL.finditer(cleaned)]
    rest = URL.sub(" ", cleaned)
    bare = [match.group() for match in BARE_HOST.finditer(rest)]
    rest = BARE_HOST.sub(" ", rest)
    for link in links[:10]:
        keys += host_features(link.rstrip(".,;:!?"), "dom")
        keys.append("http-link" if link.lower().startswith("http://") else "link")
    for host in bare[:10]:
        keys += host_features(host, "dom")
        keys.append("bare-domain")
    all_links = len(links) + len(bare)
    keys.append(f"links:{min(all_links, 5)}")
    if EMAIL.search(rest):
        keys.append("email-in-text")
        rest = EMAIL.sub(" ", rest)
    if MARKUP.search(raw):
        keys.append("markup")
    if BBCODE.search(raw):
        keys.append("bbcode")
    if MONEY.search(cleaned):
        keys.append("money")
    if PHONE.search(rest):
        keys.append("phone-number")

    scripts: Counter = Counter()
    words, mixed_words = [], 0
    folded = rest.casefold()
    if folded.isascii():  # Most comments: every word at once, no look at each letter.
        found = WORD.findall(DIGITS.sub(hash_digits, folded), 0)[:MAX_WORDS]
        scripts["LATIN"] = sum(map(len, found))
        words = [f"w:{word}" if len(word) <= MAX_WORD else "long-word" for word in found]
    else:
        for match in itertools.islice(WORD.finditer(folded), MAX_WORDS):
            word_list, mixed = word_keys(match.group(), scripts)
            words += word_list
            mixed_words += mixed
    emoji = len(EMOJI.findall(cleaned))
    if not words and not all_links:
        keys.append("only-emoji" if emoji else "no-words")
    elif not words:
        keys.append("only-links")
    if mixed_words:
        keys.append(f"mixed-script-words:{bucket(mixed_words, (1, 2, 4))}")

    letters = sum(scripts.values())
    if letters:
        main, count = scripts.most_common(1)[0]
        keys.append(f"script:{main.lower()}")
        others = sum(1 for script, n in scripts.items() if script != main and n >= 3)
        if others:
            keys.append(f"scripts:{min(others + 1, 3)}")
        upper = sum(map(str.isupper, raw[:SHAPE_CHARS]))
        cased = upper + sum(map(str.islower, raw[:SHAPE_CHARS]))
        if cased:
            keys.append(f"caps:{bucket(upper / cased, (0.15, 0.35, 0.6))}")
    chars = len(cleaned.strip())
    keys.append(f"length:{bucket(chars, (1, 20, 50, 100, 200, 400, 800, 1600, 4000))}")
    if chars:
        digits = len(DIGIT.findall(cleaned))
        keys.append(f"digits:{bucket(digits / chars, (0.02, 0.08, 0.2))}")
        if emoji:
            keys.append(f"emoji:{bucket(emoji, (1, 3, 10))}")
    keys.append(f"exclamations:{bucket(cleaned.count('!'), (1, 2, 4))}")
    keys.append(f"lines:{bucket(cleaned.count(chr(10)), (1, 3, 10))}")
    if len(words) >= 8:
        keys.append(f"variety:{bucket(len(set(words)) / len(words), (0.2, 0.5, 0.8))}")

    # Each word followed by the pair it starts, so a cap keeps the beginning of both.
    for index, word in enumerate(words):
        keys.append(word)
        following = words[index + 1] if index + 1 < len(words) else ""
        if following and following != word:
            keys.append(f"b:{word[2:]} {following[2:]}")
    return keys


@functools.lru_cache(maxsize=4096)  # A commenter's name comes back with each comment.
def name_features(name: str) -> tuple[str, ...]:
    """The shape of the name: never its words, so the model holds no statistic of a name."""
    name = INVISIBLE.sub("", unicodedata.normalize("NFKC", name[:200])).strip()
    if not name:
        return ("name:none",)
    words = name.split()
    keys = [f"name-words:{min(len(words), 5)}", f"name-length:{bucket(len(name), (4, 9, 16, 30))}"]
    letters = [char for char in name if char.isalpha()]
    scripts = {"LATIN" if char.isascii() else script_of(char) for char in letters}
    if len(scripts) > 1:
        keys.append("name-mixed-scripts")
    elif scripts:
        keys.append(f"name-script:{next(iter(scripts)).lower()}")
    if any(char.isdigit() for char in name):
        keys.append("name-digits")
    if URL.search(name) or BARE_HOST.search(name) or "@" in name:
        keys.append("name-link")
    if letters and all(char.isupper() for char in letters) and len(letters) > 3:
        keys.append("name-capitals")
    elif letters and all(char.islower() for char in letters):
        keys.append("name-lowercase")
    elif len(words) >= 2 and all(word[:1].isupper() for word in words):
        keys.append("name-title-case")
    return tuple(keys)


def website_features(website: str, text: str) -> list[str]:
    """The commenter's website: its domain and path words, or that there is none."""
    website = website.strip()[:300]
    if not website:
        return ["site:none"]
    keys = host_features(website, "site")
    try:
        path = urlsplit(website if "://" in website else f"http://{website}").path
    except ValueError:
        path = ""
    if path.strip("/"):
        keys.append("site-has-path")
    domains = [key.split(":", 1)[1] for key in keys if key.startswith("site:")]
    if domains and domains[0] in text.casefold():
        keys.append("site-in-text")
    return keys


@functools.lru_cache(maxsize=4096)  # A few browsers send most comments.
def browser_features(user_agent: str) -> tuple[str, ...]:
    """What the browser said of itself: its family and system, or that it is a tool."""
    user_agent = user_agent[:500]
    if not user_agent.strip():
        return ("browser:none",)
    if TOOL_AGENTS.search(user_agent):
        return ("browser:tool",)
    keys = []
    if "headless" in user_agent.lower():
        keys.append("browser:headless")
    family = next((name for name, pattern in BROWSERS if pattern.search(user_agent)), "other")
    keys.append(f"browser:{family}")
    system = next((name for name, pattern in SYSTEMS if pattern.search(user_agent)), "other")
    keys.append(f"system:{system}")
    if "mobile" in user_agent.lower():
        keys.append("browser-mobile")
    return tuple(keys)


def features(sample: Sample) -> list[str]:
    """
    Every feature of a sample, each once, in a stable order, at most ``MAX_FEATURES``.

    The traits come first, then links, then words and pairs in the order they
    are written: a long comment is read from its beginning.
    """
    keys = [
        *browser_features(sample.user_agent),
        *name_features(sample.name),
        *website_features(sample.website, sample.text[:MAX_CHARS]),
        "reply" if sample.is_reply else "top-level",
        *text_features(sample.text),
    ]
    return list(dict.fromkeys(keys))[:MAX_FEATURES]


def describe(key: str) -> str:
    """What a feature means, in words for the desk: "the word “casino”"."""
    if key in TRAITS:
        return TRAITS[key]
    kind, _, value = key.partition(":")
    if kind == "w" and value and set(value) == {"#"}:
        return f"a {len(value)}{'+' if len(value) == 6 else ''}-digit number"
    words = {
        "w": "the word “{}”",
        "b": "the words “{}”",
        "dom": "a link to {}",
        "dom-tld": "a link to a .{} address",
        "dom-w": "“{}” in a link",
        "site": "website {}",
        "site-tld": "a .{} website",
        "site-w": "“{}” in the website's address",
        "script": "written in {} script",
        "browser": "browser: {}",
        "system": "system: {}",
        "name-script": "a name in {} script",
    }
    if kind in words and value:
        return words[kind].format(value.replace("#", "0"))
    return TRAITS.get(kind) or key


TRAITS = {
    "links:0": "no links",
    "links:1": "one link",
    "links": "several links",
    "length:0": "empty",
    "length": "its length",
    "caps:0": "few capitals",
    "caps:1": "some capitals",
    "caps:2": "many capitals",
    "caps:3": "mostly capitals",
    "digits": "its share of digits",
    "exclamations:0": "no exclamation marks",
    "exclamations": "exclamation marks",
    "lines": "its line breaks",
    "variety": "how often words repeat",
    "emoji": "emoji",
    "only-emoji": "only emoji",
    "only-links": "only links",
    "no-words": "no words",
    "long-word": "a very long “word”",
    "invisible-chars": "invisible characters",
    "piled-marks": "piled-up accents",
    "mixed-script-words": "words mixing alphabets (look-alike letters)",
    "scripts": "several alphabets",
    "http-link": "an http:// link",
    "link": "a link",
    "bare-domain": "a web address without http",
    "shortener": "a shortened link",
    "dom-ip": "a link to a numeric address",
    "dom-punycode": "a link to an internationalised domain",
    "dom-broken": "a broken link",
    "site-ip": "a website at a numeric address",
    "site-punycode": "an internationalised website domain",
    "site-broken": "a website that is no address",
    "site:none": "no website",
    "site-has-path": "a website with a path",
    "site-in-text": "its website also linked in the text",
    "email-in-text": "an email address in the text",
    "markup": "HTML tags",
    "bbcode": "forum link codes",
    "money": "sums of money",
    "phone-number": "a phone number",
    "reply": "a reply",
    "top-level": "not a reply",
    "name:none": "no name",
    "name-words": "the number of words in the name",
    "name-length": "the name's length",
    "name-mixed-scripts": "a name mixing alphabets",
    "name-digits": "digits in the name",
    "name-link": "a web address in the name",
    "name-capitals": "a name in capitals",
    "name-lowercase": "a name in lower case",
    "name-title-case": "a name in title case",
    "browser:none": "no browser name",
    "browser:tool": "sent by a script, not a browser",
    "browser:headless": "a headless browser",
    "browser-mobile": "a phone's browser",
}
