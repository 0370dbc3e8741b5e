"""
What the filter reads in a comment, as a spammer would probe it: any script,
disguised letters, invisible characters, floods of one word, nothing but links
or emoji, nothing at all. Every input gives a bounded list of features.
"""

import pytest

from spam.features import MAX_FEATURES, Sample, describe, features

HOSTILE = {
    "latin": "Thanks, the stretches before bed helped my calves.",
    "cyrillic": "Спасибо, растяжка перед сном помогла моим икрам.",
    "arabic": "شكرا، التمارين قبل النوم ساعدتني كثيرا",
    "hebrew": "תודה, המתיחות לפני השינה עזרו לי",
    "chinese": "谢谢，睡前拉伸对我的小腿很有帮助。",
    "japanese": "ありがとう、寝る前のストレッチが効きました。",
    "thai": "ขอบคุณครับ การยืดเหยียดก่อนนอนช่วยได้มาก",
    "devanagari": "धन्यवाद, सोने से पहले खिंचाव से मदद मिली",
    "mixed scripts": "Great post! Отличная статья! 很好的文章!",
    "homoglyphs": "Buy chеаp vіаgrа at pаypal prices",
    "zero width": "b\u200bu\u200by c\u200bh\u200be\u200ba\u200bp p\u200bi\u200bl\u200bl\u200bs",
    "styled letters": "𝐁𝐮𝐲 𝐜𝐡𝐞𝐚𝐩 ｐｉｌｌｓ",
    "piled accents": "b" + "\u0301" * 50 + "uy pills" + "\u0300\u0301\u0302" * 40,
    "one word 10,000 times": "casino " * 10_000,
    "only links": "https://a.example/x https://b.example/y http://c.example",
    "only emoji": "😀🔥💯🎉👍" * 20,
    "empty after cleaning": "\u200b\u200c\u200d\ufeff",
    "empty": "",
    "control characters": "\x00\x01\x1b[31mred\x7f",
    "lone surrogate": "bad \ud800 text",
    "broken links": "http://[::1 http://%zz https:// www.",
    "huge": "x" * 200_000,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_any_text_gives_a_bounded_list_of_features(text):
    """Whatever the text, reading it neither raises nor gives more than MAX_FEATURES, each once."""
    found = features(Sample(text=text, name=text[:100], website=text[:200], user_agent=text[:300]))
    assert 0 < len(found) <= MAX_FEATURES
    assert len(found) == len(set(found))
    assert all(describe(key) for key in found)


def test_a_word_repeated_ten_thousand_times_counts_once():
    """A flood of one word is one word: the comment moves the counts no more than a short one."""
    found = features(Sample(text="casino " * 10_000))
    assert found.count("w:casino") == 1
    assert len(found) < 30


def test_look_alike_letters_read_as_the_latin_word():
    """A Latin word with Cyrillic look-alikes reads as the word it imitates, and is marked."""
    found = features(Sample(text="Buy chеаp vіаgrа"))  # е, а, і are Cyrillic
    assert {"w:cheap", "w:viagra"} <= set(found)
    assert any(key.startswith("mixed-script-words") for key in found)


def test_invisible_characters_do_not_split_words():
    """Zero-width characters inside a word are dropped, and their presence is a trait."""
    found = features(Sample(text="c\u200bh\u200be\u200ba\u200bp pills"))
    assert "w:cheap" in found
    assert "invisible-chars" in found


def test_styled_letters_read_as_plain_ones():
    """Mathematical bold and full-width letters fold to the plain word (NFKC)."""
    assert "w:pills" in features(Sample(text="𝐩𝐢𝐥𝐥𝐬"))
    assert "w:pills" in features(Sample(text="ｐｉｌｌｓ"))


def test_a_text_in_another_alphabet_keeps_its_words():
    """A Russian comment is read as Russian words, not folded to Latin look-alikes."""
    found = features(Sample(text="Спасибо за статью"))
    assert "w:спасибо" in found
    assert "script:cyrillic" in found


def test_unspaced_scripts_are_read_in_pairs_of_characters():
    """Chinese has no spaces: its text is read as pairs of characters, not one long word."""
    found = features(Sample(text="睡前拉伸"))
    assert {"w:睡前", "w:前拉", "w:拉伸"} <= set(found)


def test_links_give_their_domain_and_top_level_domain():
    """A link is read for the domain someone registered, its top-level domain and path words."""
    found = features(Sample(text="see https://shop.cheap-pills.example.co.uk/buy-now?x=1"))
    assert "dom:example.co.uk" in found
    assert "dom-tld:uk" in found
    assert "dom-w:buy" in found
    assert "links:1" in found


def test_a_web_address_without_http_is_a_link_too():
    assert "dom:cheap-pills.shop" in features(Sample(text="visit cheap-pills.shop today"))


def test_the_name_is_read_for_its_shape_only():
    """No word of the name becomes a feature: the model holds no statistic of anyone's name."""
    found = features(Sample(text="Nice post.", name="Zebulon Quackenbush"))
    assert not any("zebulon" in key or "quackenbush" in key for key in found)
    assert "name-words:2" in found
    assert "name-title-case" in found


def test_the_browser_is_read_for_its_family():
    chrome = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
    assert {"browser:chrome", "system:windows"} <= set(features(Sample("Hi", user_agent=chrome)))
    assert "browser:tool" in features(Sample("Hi", user_agent="python-requests/2.32"))
    assert "browser:none" in features(Sample("Hi"))


def test_the_website_gives_its_domain():
    found = features(Sample("Hi", website="https://best-seo-services.example/offer"))
    assert {"site:best-seo-services.example", "site-has-path"} <= set(found)
    assert "site:none" in features(Sample("Hi"))


def test_features_are_stable():
    """The same sample always gives the same features in the same order (lessons depend on it)."""
    sample = Sample(
        text="Cheap pills at https://x.example, cheap!", name="Bob", website="x.example"
    )
    assert features(sample) == features(sample)


def test_descriptions_say_what_a_feature_is():
    assert describe("w:casino") == "the word “casino”"
    assert describe("dom:x.example") == "a link to x.example"
    assert describe("browser:none") == "no browser name"
    assert describe("links:3") == "several links"
