"""A post's HTML as Markdown that renders as WordPress showed it; a comment's as text."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from blog.markup import render_markdown
from wordpress.html import comment_text, post_markdown


def markdown(html: str) -> str:
    return post_markdown(html).markdown


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Hello <strong>bold</strong> and <em>em</em>.</p>", "Hello **bold** and *em*."),
        ("<h1>Top</h1><h3>Sub</h3><h6>Deep</h6>", "## Top\n\n### Sub\n\n#### Deep"),
        ("<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul>", "- one\n- two\n    - nested"),
        ('<ol start="3"><li>three</li><li>four</li></ol>', "3. three\n4. four"),
        ("<blockquote><p>Said.</p><p>More.</p></blockquote>", "> Said.\n>\n> More."),
        ("<pre>a &lt;b&gt;\n  c</pre>", "    a <b>\n      c"),
        ('<p><a href="https://x.example/a b">it</a></p>', "[it](https://x.example/a%20b)"),
        ('<p><a href="https://x.example/">https://x.example/</a></p>', "<https://x.example/>"),
        ('<p><a href="javascript:alert(1)">no</a></p>', "no"),
        (
            '<p><img src="https://old.example/u/foot.jpg" alt="A foot"></p>',
            "[Image: A foot](https://old.example/u/foot.jpg)",
        ),
        (
            '<p><img src="https://old.example/u/foot.jpg"></p>',
            "[Image: foot.jpg](https://old.example/u/foot.jpg)",
        ),
        ("<p># 1. - * _ [x] &amp;amp; &lt;b&gt;</p>", "\\# 1. - \\* \\_ \\[x\\] &amp;amp; &lt;b>"),
        ("<p>1. first</p>", "1\\. first"),
        ("<p>line<br>break</p>", "line  \nbreak"),
        ("<!-- wp:paragraph --><p>Block</p><!-- /wp:paragraph -->", "Block"),
        ("<p>x<script>alert(1)</script><style>p{}</style></p>", "x"),
        (
            "<table><tr><td>a</td><td>b|c</td></tr><tr><td>1</td></tr></table>",
            "| a | b\\|c |\n| --- | --- |\n| 1 |  |",
        ),
        ("<p>E = mc<sup>2</sup></p>", "E = mc<sup>2</sup>"),
        ("<p><code>a `b` c</code></p>", "``a `b` c``"),
        (
            '<iframe src="https://video.example/embed/1"></iframe>',
            "[Embedded content](https://video.example/embed/1)",
        ),
    ],
)
def test_post_html_becomes_markdown(html, expected):
    """Each construct WordPress writes, as Markdown."""
    assert markdown(html) == expected


def test_a_caption_shortcode_is_an_image_link_with_its_caption():
    """[caption] is what old WordPress posts use for captioned images."""
    html = (
        '[caption id="attachment_7" width="300"]'
        '<img src="https://old.example/feet.png" alt="Feet" /> Feet at rest[/caption]'
    )
    assert markdown(html) == "[Image: Feet](https://old.example/feet.png)\n\n*Feet at rest*"


def test_other_shortcodes_stay_as_text_and_are_named():
    """[gallery] cannot be shown here: kept as text, and named for the report."""
    converted = post_markdown('<p>Look:</p>\n\n[gallery ids="1,2"]\n\n[sic] is not one.')
    assert converted.shortcodes == ["gallery"]
    assert '\\[gallery ids="1,2"\\]' in converted.markdown


def test_an_url_alone_on_a_line_is_a_link():
    """WordPress embeds such an address; here it is a link to it."""
    html = (
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">\n'
        "https://v.example/watch?v=a_b\n</div></figure><!-- wp:embed /-->"
    )
    assert markdown(html) == "<https://v.example/watch?v=a_b>"


def test_a_list_is_ended_before_a_code_block_or_another_list():
    """Python-Markdown would otherwise take what follows as part of the last item."""
    assert markdown("<ul><li>a</li></ul><ul><li>b</li></ul><pre>c</pre>") == (
        "- a\n\n<!-- -->\n\n- b\n\n<!-- -->\n\n    c"
    )
    assert render_markdown(markdown("<ul><li>a</li></ul><pre>c</pre>")).count("<pre>") == 1


SAMPLES = [
    "<p>Hello <b>bold</b>, <i>it</i>, <a href='https://x.example/a_b?c=1&d=2' title='T'>x</a>",
    "Classic\nline\n\nParagraph <strong>two</strong>\n<ul>\n<li>one</li>\n<li>two\n<ul><li>n</li>"
    "</ul></li>\n</ul>",
    "<ul><li><p>loose</p></li><li><p>list</p></li></ul><pre>code\n\n  more</pre><hr>",
    "<blockquote><p>q</p><ul><li>in quote</li></ul></blockquote><h2>H *x*</h2>",
    "<figure><a href='https://o.example/big.jpg'><img src='https://o.example/s.jpg' alt='A'></a>"
    "<figcaption>Cap</figcaption></figure>",
    "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>",
]


@pytest.mark.parametrize("html", SAMPLES)
def test_converted_markdown_is_a_fixed_point(html):
    """Rendered and converted again, the Markdown comes back the same (round trips are exact)."""
    once = markdown(html)
    assert markdown(render_markdown(once)) == once


text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=40)


@settings(max_examples=150, deadline=None)
# Python-Markdown reads "&#0" as a character reference even without its ";".
@example([("p", "&#0"), ("li", "&#x41 and &copy;")])
@given(
    st.lists(
        st.tuples(st.sampled_from(["p", "h2", "li", "blockquote", "em", "strong", "code"]), text),
        max_size=5,
    )
)
def test_any_text_in_any_block_survives_the_round_trip(pieces):
    """Whatever characters a post holds, its Markdown is a fixed point and keeps the words."""
    html = "".join(
        f"<ul><li>{escape(t)}</li></ul>"
        if tag == "li"
        else f"<p><{tag}>{escape(t)}</{tag}></p>"
        if tag in {"em", "strong", "code"}
        else f"<{tag}>{escape(t)}</{tag}>"
        for tag, t in pieces
    )
    once = markdown(html)
    assert markdown(render_markdown(once)) == once


def escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;")


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("Yes, and <b>hydration</b> helped.", "Yes, and *hydration* helped."),
        ("<em>Really</em> <i>so</i>", "_Really_ _so_"),
        ('See <a href="https://x.example/">this page</a>', "See this page (https://x.example/)"),
        ('<a href="https://x.example/">https://x.example/</a>', "https://x.example/"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ("<blockquote>Quoted\nline</blockquote>Answer", "> Quoted\n> line\n\nAnswer"),
        ("a &lt; b &amp;&amp; <code>x</code>", "a < b && `x`"),
        ("Hi<script>alert(1)</script><img src=x onerror=alert(1)>", "Hi"),
        ("Line one\nLine two\n\n\n\nLast", "Line one\nLine two\n\nLast"),
        ("<q>Quoted</q>", "“Quoted”"),
    ],
)
def test_a_comment_becomes_text_keeping_what_its_tags_meant(html, expected):
    """WordPress's comment tags as plain-text conventions; markup itself never kept."""
    assert comment_text(html) == expected
