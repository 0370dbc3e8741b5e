"""How the browser tests operate a page: mouse, keyboard alone, or JavaScript off."""

import re
from collections.abc import Iterable
from typing import Literal

from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import BrowserContext, Locator, Page, expect

from comments.models import Comment
from tests.factories import CommentFactory

Mode = Literal["mouse", "keyboard", "no-javascript"]
MODES: list[Mode] = ["mouse", "keyboard", "no-javascript"]
MODERATOR_PASSWORD = "correct horse battery"


def field(scope: Page | Locator, label: str) -> Locator:
    """A form field by its label, required mark or not ("Email*", not "Email me when…")."""
    return scope.get_by_label(re.compile(rf"^\s*{label}\s*\*?\s*$"))


def tab_to(page: Page, target: Locator, limit: int = 200) -> int:
    """Press Tab until the target has the focus, as a keyboard user would; return the count."""
    for presses in range(limit + 1):
        if target.evaluate("element => element === document.activeElement"):
            return presses
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} never received the focus after {limit} presses of Tab")


class Person:
    """
    Someone at a browser. In keyboard mode every action is Tab, typing, Space
    and Enter, never a click; in the other modes the mouse does the work.
    """

    def __init__(self, context: BrowserContext, mode: Mode, page: Page | None = None):
        self.mode = mode
        self.page = page or context.new_page()

    @classmethod
    def on(cls, page: Page) -> "Person":
        """Someone with a mouse at a page already open."""
        return cls(page.context, "mouse", page)

    @property
    def keyboard(self) -> bool:
        return self.mode == "keyboard"

    def activate(self, target: Locator, *, navigates: bool = True) -> None:
        """Follow a link or press a button."""
        if not self.keyboard:
            target.click()
        elif navigates:
            tab_to(self.page, target)
            with self.page.expect_navigation():
                self.page.keyboard.press("Enter")
        else:
            tab_to(self.page, target)
            self.page.keyboard.press("Enter")
        self.page.wait_for_load_state()

    def type(self, target: Locator, text: str) -> None:
        """Replace whatever the field holds with this text."""
        if not self.keyboard:
            target.fill(text)
            return
        tab_to(self.page, target)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.press("Delete")
        if text:
            self.page.keyboard.type(text)

    def tick(self, target: Locator) -> None:
        if self.keyboard:
            tab_to(self.page, target)
            self.page.keyboard.press("Space")
        else:
            target.check()
        expect(target).to_be_checked()

    def choose(self, select: Locator, value: str) -> None:
        """Pick an option of a drop-down; by keyboard, by typing its words."""
        label = select.locator(f"option[value='{value}']").inner_text()
        if self.keyboard:
            tab_to(self.page, select)
            self.page.keyboard.type(label)
        else:
            select.select_option(label=label)
        expect(select).to_have_value(value)

    def write_comment(
        self, body: str, name: str, email: str, website: str = "", remember: bool = False
    ) -> None:
        """Fill the comment form in the order it is laid out, and post it."""
        form = self.page.locator("#commentform")
        self.type(field(form, "Comment"), body)
        self.type(field(form, "Name"), name)
        self.type(field(form, "Email"), email)
        self.type(field(form, "Website"), website)
        if remember:
            self.tick(form.get_by_label("Save my name, email, and website"))
        self.activate(form.get_by_role("button", name="Post Comment"))
        self.confirm_if_asked()

    def confirm_if_asked(self) -> bool:
        """
        Post the comment from the confirmation step, if the site showed one.

        Without scripts no stamp is fetched, so a valid comment is first shown
        back as it will appear; the reader posts it from there.
        """
        if not self.page.get_by_role("heading", name="Check your comment").count():
            return False
        form = self.page.locator("#commentform")
        self.activate(form.get_by_role("button", name="Post Comment"))
        return True


def open_as(open_context, mode: Mode, **options) -> Person:
    """A new browser profile for one person, with JavaScript off in that mode."""
    return Person(open_context(java_script_enabled=mode != "no-javascript", **options), mode)


def approve_in_admin(moderator: Person, username: str, comments: Iterable[Comment]) -> None:
    """The moderator signs into the admin and approves these comments in one bulk action."""
    page = moderator.page
    changelist = reverse("admin:comments_comment_changelist")
    page.goto(changelist)
    moderator.type(page.get_by_label("Username"), username)
    moderator.type(page.get_by_label("Password"), MODERATOR_PASSWORD)
    moderator.activate(page.get_by_role("button", name="Log in"))
    expect(page).to_have_url(re.compile(rf"{changelist}$"))

    for comment in comments:
        moderator.tick(page.locator(f"input[name=_selected_action][value='{comment.pk}']"))
    # The action's name is fixed; its description may be reworded.
    moderator.choose(page.locator("select[name=action]"), "approve")
    moderator.activate(page.locator("button[name=index]"))


# The pages the checks run on: the home page, an article with no comments, one
# with threaded comments (and the reader's own held one), one with form errors,
# a later page of a long discussion, and the form to edit one's own comment.
PAGES = ["home", "article", "threaded", "errors", "paged", "edit"]


def build_thread(article) -> list[Comment]:
    """Approved comments nested to the deepest level, with a website, paragraphs and Unicode."""
    comments = [
        CommentFactory(
            article=article,
            author_name="Ana Lima",
            author_email="ana@example.org",
            author_url="https://ana.example.org/",
            body="Magnesium helped me.\n\nSo did stretching\nevery evening.",
        )
    ]
    replies = [
        ("Sam Lee", "Which stretch? The wall one or the towel one?"),
        ("Ana Lima", "The towel one, thirty seconds each side."),
        ("Noor Haddad", "My physio suggested the same, plus water before bed."),
        ("Sam Lee", "Thanks both: two quiet nights so far."),
    ]
    for name, body in replies:
        comments.append(
            CommentFactory(
                article=article,
                parent=comments[-1],
                author_name=name,
                author_email=f"{name.split()[0].lower()}@example.org",  # One avatar per person.
                body=body,
            )
        )
    comments.append(
        CommentFactory(
            article=article, author_name="Zoë", body="שלום, and <b>markup</b> shown as typed."
        )
    )
    return comments


def show(page: Page, name: str, article) -> str:
    """Bring the page into one of PAGES; return the HTML the server sent for it."""
    if name == "home":
        return page.goto("/").text()
    if name == "paged":
        build_thread(article)
        CommentFactory.create_batch(60, article=article, body="One of many. https://example.org/")
        with override_settings(COMMENTS_PER_PAGE=20):
            return page.goto(f"{article.get_absolute_url()}comment-page-2/").text()
    if name == "edit":
        page.goto(article.get_absolute_url())
        Person.on(page).write_comment("Held, then edited.", name="Kai", email="kai@example.net")
        link = page.get_by_role("link", name="Edit or withdraw your comment")
        response = page.goto(link.get_attribute("href"))
        expect(page.get_by_role("heading", name="Edit your comment")).to_be_visible()
        return response.text()
    if name == "threaded":
        build_thread(article)
    response = page.goto(article.get_absolute_url())
    if name == "article":
        return response.text()
    with page.expect_navigation() as navigation:
        if name == "threaded":
            Person.on(page).write_comment("Held for now.", name="Kai", email="kai@example.net")
        else:
            page.locator("#commentform").get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comments")).to_be_visible()
    return navigation.value.text()
