"""axe-core finds no WCAG 2.2 A or AA violation, in the light and the dark scheme."""

import pytest

from tests.e2e.browsing import PAGES, show

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_no_wcag_violations(name, scheme, open_context, seed_article, axe_violations):
    """Home, bare article, threaded comments, form errors: axe reports nothing at A and AA."""
    page = open_context(color_scheme=scheme).new_page()
    show(page, name, seed_article)
    violations = axe_violations(page)
    assert not violations, "\n".join(violations)


def test_axe_does_report_a_violation(open_context, seed_article, axe_violations):
    """The check can fail: an image without a text alternative is reported."""
    page = open_context().new_page()
    show(page, "article", seed_article)
    page.evaluate("() => document.querySelector('main').append(document.createElement('img'))")
    assert [line.split(" ")[0] for line in axe_violations(page)] == ["image-alt"]
