"""Security headers, production cookie flags, and the admin login's defence against guessing."""

import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.config.test_settings import PRODUCTION, manage, settings_seen
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "correct horse battery"


def csp_directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def test_article_page_sends_a_strict_content_security_policy(client, seed_article):
    """Nothing unless named; scripts and styles from the site only; no framing, plugins, base."""
    directives = csp_directives(client.get(seed_article.get_absolute_url()))
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert not any("unsafe" in value for values in directives.values() for value in values)


def test_readers_pages_require_trusted_types_and_allow_no_policy(client, seed_article):
    """The site's scripts use no HTML sink: the browser refuses every string given to one."""
    for path in (seed_article.get_absolute_url(), "/", "/no-such-page/"):
        directives = csp_directives(client.get(path))
        assert directives["require-trusted-types-for"] == ["'script'"], path
        assert directives["trusted-types"] == ["'none'"], path


def test_the_admin_keeps_the_policy_without_trusted_types(client):
    """Django's admin scripts assign innerHTML: the admin's policy is the same but for that."""
    directives = csp_directives(client.get(LOGIN))
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert "require-trusted-types-for" not in directives
    assert "trusted-types" not in directives


def test_article_page_sends_the_other_protective_headers(client, seed_article):
    """No MIME sniffing, a same-origin referrer policy, no framing, an isolated window."""
    response = client.get(seed_article.get_absolute_url())
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/feed/", "/no-such-page/", LOGIN, "/healthz"])
def test_no_other_site_may_embed_a_response_nor_use_unused_features(client, seed_article, path):
    """Cross-Origin-Resource-Policy same-origin, and camera, microphone, location... turned off."""
    response = client.get(path)
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    features = dict(part.strip().split("=") for part in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "fullscreen"):
        assert features[feature] == "()", feature


def test_production_sends_hsts_and_redirects_to_https(tmp_path):
    """With production settings: plain HTTP is redirected, HTTPS answers with a year of HSTS."""
    script = """
import json
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(HTTP_HOST="blog.example.com")
insecure = client.get("/")
page = client.get("/", secure=True)
print(json.dumps({
    "redirect": [insecure.status_code, insecure.get("Location")],
    "status": page.status_code,
    "hsts": page.get("Strict-Transport-Security"),
}))
"""
    env = {
        **PRODUCTION,
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = manage("shell", "--no-imports", "-c", script, **env)
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["redirect"] == [301, "https://blog.example.com/"]
    assert facts["status"] == 200
    assert facts["hsts"] == "max-age=31536000; includeSubDomains"


def test_hsts_preload_is_sent_only_when_the_operator_opts_in():
    """hstspreload.org asks that preload be opt-in: a site not ready would be locked in."""
    assert settings_seen("s.SECURE_HSTS_PRELOAD", **PRODUCTION) == "False"
    opted_in = {**PRODUCTION, "DJANGO_HSTS_PRELOAD": "true"}
    assert settings_seen("s.SECURE_HSTS_PRELOAD", **opted_in) == "True"


def test_production_session_and_csrf_cookies_are_flagged():
    """Secure, HttpOnly and SameSite=Lax for the session and CSRF cookies in production."""
    seen = settings_seen(
        "s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,"
        " s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, s.CSRF_COOKIE_SAMESITE",
        **PRODUCTION,
    )
    assert seen == "True True Lax True True Lax"


def test_ssl_redirect_can_be_left_to_a_proxy():
    """Behind a TLS-terminating proxy the operator can turn the app's redirect off."""
    env = {**PRODUCTION, "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_BEHIND_TLS_PROXY": "true"}
    assert settings_seen("s.SECURE_SSL_REDIRECT", **env) == "False"


def attempt(client: Client, username: str, password: str):
    return client.post(
        f"{LOGIN}?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR="198.51.100.50",
    )


def test_admin_login_locks_out_after_five_failures(client):
    """Five wrong passwords, then even the right one is refused with a clear 429 page."""
    user = UserFactory(username="editor", is_staff=True)
    for _ in range(4):
        response = attempt(client, user.username, "wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    locked = attempt(client, user.username, "wrong")
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()
    still_locked = attempt(client, user.username, PASSWORD)
    assert still_locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_address_and_username(client):
    """Another address may still sign in while one address is locked out."""
    user = UserFactory(username="editor", is_staff=True)
    for _ in range(5):
        attempt(client, user.username, "wrong")
    other = Client().post(
        f"{LOGIN}?next=/admin/",
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.99",
    )
    assert other.status_code == 302


def test_documented_unlock_command_lets_the_user_back_in(client):
    """`manage.py axes_reset_username NAME` (README) lifts the lockout at once."""
    user = UserFactory(username="editor", is_staff=True)
    for _ in range(5):
        attempt(client, user.username, "wrong")
    assert attempt(client, user.username, PASSWORD).status_code == 429
    call_command("axes_reset_username", user.username, verbosity=0)
    assert attempt(client, user.username, PASSWORD).status_code == 302


def test_successful_login_clears_earlier_failures(client):
    """A right password after a few slips starts the count again."""
    user = UserFactory(username="editor", is_staff=True)
    for _ in range(4):
        attempt(client, user.username, "wrong")
    assert attempt(client, user.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert attempt(client, user.username, "wrong").status_code == 200
