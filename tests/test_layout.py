"""
The code's shape, as a reviewer checks it (README, "How the code is laid out").

Each test reads the source as text or as a syntax tree, the way a reviewer
runs ``ls``, ``grep`` or ``wc -l``: one home per rule, and the read path apart
from the write path. The import contracts themselves are import-linter's, run
by ``make lint`` (pyproject.toml).
"""

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The packages import-linter knows (pyproject.toml): every app, the project and lib.
APPS = tuple(
    tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]
)


def modules(*folders: str) -> list[Path]:
    """The project's Python modules under these folders, migrations left out."""
    return sorted(
        path
        for folder in folders or APPS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    )


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def where(path: Path) -> str:
    return str(path.relative_to(ROOT))


# Each rule's telltale spelling, and the modules allowed to spell it.
RULES = {
    # A comment's depth in its thread (Comment.depth_under).
    "depth + 1": ["comments/models.py"],
    # Past the deepest level, a reply joins the last (Comment.reply_target).
    ".depth >=": ["comments/models.py"],
    # A reply is approved only once its parent is (moderation.waits_for_parent).
    "parent.is_approved()": ["comments/moderation.py"],
    # A comment became held: the moderators are told (moderation.became_held).
    "notify_moderators(": ["comments/mail/notifications.py", "comments/moderation.py"],
    # What a reader typed, given back when it was not stored (section.forms.typed_text).
    'POST.get("body"': ["comments/section/forms.py"],
    # Every outbox (emails, fediverse, Webmentions) claims, retries and recovers by
    # lib/outbox.py's rule: one conditional UPDATE, a doubling wait, the lease.
    'F("attempts") + 1': ["lib/outbox.py"],
    "2 ** (": ["lib/outbox.py"],
    "Interrupted at every attempt.": ["lib/outbox.py"],
}


@pytest.mark.parametrize(("spelling", "homes"), RULES.items())
def test_each_rule_is_written_once(spelling, homes):
    """``grep`` finds each rule in its one home; everyone else calls it there."""
    assert [where(path) for path in modules() if spelling in path.read_text()] == homes


def test_the_posting_views_speak_http_only():
    """The comment POST stores nothing itself: posting/service.py does, with every effect."""
    views = (ROOT / "comments/posting/views.py").read_text()
    for effect in (".save(", "notify_moderators", "became_held", "subscribe(", "change_status"):
        assert effect not in views, effect


def test_the_desk_borrows_nothing_of_the_readers_form():
    """A reply's field and length are comments/text.py's, as the comment form's are."""
    lengths = [where(path) for path in modules("comments") if "5000" in path.read_text()]
    assert lengths == ["comments/text.py"]
    for path in modules("comments/desk"):
        assert "comments.section.forms" not in path.read_text(), where(path)


def test_one_refusal_type():
    """A request refused anywhere (an author's edit, the desk) raises lib.refusal.Refusal."""
    exceptions = [
        f"{where(path)}:{node.name}"
        for path in modules()
        for node in ast.walk(tree(path))
        if isinstance(node, ast.ClassDef)
        and any(getattr(base, "id", "") == "Exception" for base in node.bases)
        and node.name.startswith("Refus")
    ]
    assert exceptions == ["lib/refusal.py:Refusal"]


def test_rows_are_locked_in_one_place():
    """Comment rows are locked by CommentQuerySet.locked() alone: decisions and edits queue."""
    locking = [
        where(path)
        for path in modules("blog", "comments", "wordpress")
        if "select_for_update" in path.read_text()
    ]
    assert locking == ["comments/models.py"]
    assert "def locked(self)" in (ROOT / "comments/models.py").read_text()


def message_argument(call: ast.Call) -> ast.AST | None:
    """What a Refusal or a message_user call says: its sentence argument."""
    name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
    position = {"Refusal": 0, "message_user": 1, "refuse": 1}.get(name)
    if position is None or len(call.args) <= position:
        return None
    return call.args[position]


def test_every_moderator_sentence_is_in_one_module():
    """The desk says nothing in its own words: each sentence comes from desk/sentences.py."""
    worded = []
    for path in modules("comments/desk"):
        if path.name == "sentences.py":
            continue
        for call in (node for node in ast.walk(tree(path)) if isinstance(node, ast.Call)):
            if getattr(call.func, "id", None) == "ngettext":
                worded.append(f"{where(path)}:{call.lineno}")
            argument = message_argument(call)
            if argument is not None and any(
                isinstance(node, ast.JoinedStr)
                or (isinstance(node, ast.Constant) and isinstance(node.value, str))
                for node in ast.walk(argument)
            ):
                worded.append(f"{where(path)}:{call.lineno}")
    assert worded == []


def test_the_desk_views_use_nothing_of_comment_admin():
    """DeskViews calls only what it defines and what Django's ModelAdmin offers."""
    from django.contrib.admin import ModelAdmin

    [desk] = [
        node
        for node in ast.walk(tree(ROOT / "comments/desk/views.py"))
        if isinstance(node, ast.ClassDef) and node.name == "DeskViews"
    ]
    own = {node.name for node in desk.body if isinstance(node, ast.FunctionDef)}
    used = {
        node.attr
        for node in ast.walk(desk)
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "self"
    }
    assert {name for name in used - own if not hasattr(ModelAdmin, name)} == {"admin_site", "opts"}


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    """`make lint`'s import check, run on a copy of the code in ``where``."""
    command = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(command), "--no-cache"], cwd=where, capture_output=True, text=True, timeout=120
    )


def test_make_lint_fails_when_a_module_reaches_up(tmp_path):
    """The section importing the write path breaks two contracts, and lint-imports says which."""
    for name in APPS:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    assert lint_imports(tmp_path).returncode == 0

    paging = tmp_path / "comments/section/paging.py"
    paging.write_text(paging.read_text() + "\nimport comments.posting.editing  # noqa: E402\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1
    assert " kept, 2 broken." in result.stdout
    assert (
        "comments' layers: desk, posting > section > moderation, privacy > mail > models BROKEN"
        in result.stdout
    )
    assert "An article page's read path imports nothing of the write path BROKEN" in result.stdout
    assert "comments.section is not allowed to import comments.posting" in result.stdout


def settings_assignments() -> dict[str, ast.AST]:
    """Each top-level assignment of config/settings.py: its name and value."""
    return {
        node.targets[0].id: node.value
        for node in tree(ROOT / "config/settings.py").body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }


def environment_name(value: ast.AST) -> str | None:
    """The variable a settings value is read from (``number("DJANGO_X", …)``), if any."""
    if isinstance(value, ast.BoolOp):
        value = value.values[0]
    if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Constant):
        name = value.args[0].value
        return name if isinstance(name, str) and name.isupper() else None
    return None


def test_settings_carry_configuration_only():
    """At most 300 lines; every app setting there is one an operator sets, by its own name."""
    assert len((ROOT / "config/settings.py").read_text().splitlines()) <= 300
    assignments = settings_assignments()
    mismatched = {
        setting: variable
        for setting, value in assignments.items()
        if (variable := environment_name(value))
        and variable.removeprefix("DJANGO_") not in (setting, setting.removeprefix("SECURE_"))
    }
    assert mismatched == {}
    constants = {
        setting
        for setting, value in assignments.items()
        if setting.startswith(("COMMENTS_", "EMAIL_")) and not environment_name(value)
    }
    # Both name what other settings compose: a cache alias of CACHES, a cookie of
    # PERSONAL_COOKIES (which nginx reads too).
    assert constants == {"COMMENTS_RATE_LIMIT_CACHE", "COMMENTS_PENDING_COOKIE"}


def test_one_fixture_per_concept():
    """Each fixture name means one thing in the suite: shared ones live in a conftest.py."""
    defined: dict[str, list[str]] = {}
    for path in (ROOT / "tests").rglob("*.py"):
        if "perf" in path.parts:  # The stack's own tests share deploy/stack.py's helpers.
            continue
        for node in ast.walk(tree(path)):
            if isinstance(node, ast.FunctionDef) and any(
                "fixture" in ast.unparse(decorator) for decorator in node.decorator_list
            ):
                defined.setdefault(node.name, []).append(where(path))
    assert {name: paths for name, paths in defined.items() if len(paths) > 1} == {}
    shared = ("site_url", "moderator", "moderator_client", "discussion", "seed_article")
    assert all(defined[name] == ["tests/conftest.py"] for name in shared)


def readme_bullets() -> dict[str, str]:
    """README's "How the code is laid out": each folder's bullet, by the folder it names."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### How the code is laid out")[1].split("Imports go one way")[0]
    bullets = {}
    for bullet in section.split("\n- ")[1:] + section.split("\n  - ")[1:]:
        if bullet.startswith("**`"):
            folder = bullet.removeprefix("**`").split("/`**")[0]
            bullets[folder] = bullet.split("\n  - ")[0]
    return bullets


def test_readme_names_every_module_in_its_folder():
    """Two hops to any feature: README's bullet for a folder names each of its modules."""
    bullets = readme_bullets()
    # Every app and every subpackage of comments: a new one cannot go unmapped.
    apps = [p for p in ROOT.iterdir() if (p / "apps.py").exists() or p.name in {"config", "lib"}]
    subpackages = [p for p in (ROOT / "comments").iterdir() if (p / "__init__.py").exists()]
    folders = {
        path.name: str(path.relative_to(ROOT))
        for path in [*apps, *subpackages]
        if path.name not in {"migrations", "management", "templatetags"}
    }
    missing = [
        f"{folder}/{path.name}"
        for name, folder in folders.items()
        for path in (ROOT / folder).glob("*.py")
        if path.name not in {"__init__.py", "apps.py"} and f"`{path.name}`" not in bullets[name]
    ]
    assert missing == []
