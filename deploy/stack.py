"""
`make serve`: nginx in front, the app server behind it, started and stopped together.

``python -m deploy.stack`` renders deploy/nginx.conf and nginx's error page into
the run folder (``SERVE_RUN_DIR``, default ``run/``, git-ignored), starts the
app server on a unix socket in that folder, waits for it, then starts nginx on
``$HOST:$PORT``, both in the foreground with their logs on standard output.
Ctrl-C or SIGTERM stops them (nginx first, so nothing new reaches the app while
it finishes what it has); if one exits, the others are stopped and the exit
status says so. ``services()`` lists the processes: one more is one more line.

Tests and ``make bench`` start the same stack through ``Stack`` (tests/perf/server.py).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf"
STOP_SECONDS = 30
START_SECONDS = 60


class StackError(SystemExit):
    """A reason the stack cannot start, as one sentence (exit status 1, no traceback)."""

    def __init__(self, sentence: str) -> None:
        super().__init__(f"make serve: {sentence}")


def ensure_debian_package(command: str, package: str, purpose: str) -> str:
    """The path of ``command``, installing Debian's ``package`` when missing and root."""
    if path := shutil.which(command):
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"{command} is missing: installing it with apt-get (Debian's package {package!r}).")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", package],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        if path := shutil.which(command):
            return path
    raise StackError(
        f"{purpose} needs {command}: install it first, `sudo apt-get install {package}`."
    )


def find_nginx() -> str:
    # Debian puts it in /usr/sbin, which an ordinary user's PATH may lack.
    return shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin") or (
        ensure_debian_package("nginx", "nginx", "make serve")
    )


@dataclass(frozen=True)
class Layout:
    """Where everything of one running stack lives."""

    run: Path
    listen: str  # host:port nginx listens on
    static_root: Path
    personal_cookies: tuple[str, ...]  # settings.PERSONAL_COOKIES: they bypass the cache

    @property
    def conf(self) -> Path:
        return self.run / "nginx.conf"

    @property
    def app_socket(self) -> Path:
        return self.run / "app.sock"

    @property
    def error_page(self) -> Path:
        return error_page(self.run)

    @property
    def cache(self) -> Path:
        return self.run / "cache"

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])

    @property
    def host(self) -> str:
        return self.listen.rsplit(":", 1)[0].strip("[]")


def render_nginx(layout: Layout, env: dict[str, str]) -> str:
    """deploy/nginx.conf with every @NAME@ filled in; an unknown name stops the start."""
    proxies = int(env.get("DJANGO_TRUSTED_PROXY_COUNT") or 1)
    values = {
        # Started as root, nginx's workers drop to nobody (and must be able to
        # read the static files); otherwise they run as whoever started it.
        "USER": "user nobody nogroup;" if os.geteuid() == 0 else "",
        "RUN": str(layout.run),
        "LISTEN": layout.listen,
        "APP": f"unix:{layout.app_socket}",
        "STATIC_ROOT": str(layout.static_root),
        "ACCESS_LOG": access_log(env.get("SERVE_ACCESS_LOG", "/dev/stdout")),
        "CACHE_MAX_SIZE": env.get("SERVE_CACHE_MAX_SIZE", "1g"),
        "PERSONAL_COOKIES": "|".join(map(re.escape, layout.personal_cookies)),
        # One proxy (this nginx) speaks for the scheme; behind another, that one does.
        "FORWARDED_PROTO": "$outer_proto" if proxies > 1 else "$scheme",
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    if "@" in "".join(line.split("#", 1)[0] for line in text.splitlines()):
        raise StackError(f"{TEMPLATE} holds a @NAME@ that deploy/stack.py does not fill in.")
    return text


def error_page(run: Path) -> Path:
    """nginx's "temporarily unavailable" page, served at this name (deploy/nginx.conf)."""
    return run / ".unavailable.html"


def access_log(value: str) -> str:
    return "off" if value in {"", "off"} else f"{value} stack"


def readable_by_workers(path: Path) -> bool:
    """Whether nginx's workers (nobody, when started as root) can reach and read ``path``."""
    if os.geteuid() != 0:
        return os.access(path, os.R_OK)
    for folder in [path, *path.parents]:
        if folder.is_dir() and not folder.stat().st_mode & 0o001:
            return False
    return bool(path.stat().st_mode & 0o004)


@dataclass
class Service:
    """One long-running process of the stack, and how to tell it is ready."""

    name: str
    command: list[str]
    ready: Callable[[], bool]
    # The signal that makes it finish what it is doing and exit.
    stop_signal: int = signal.SIGTERM
    process: subprocess.Popen | None = None

    def start(self, env: dict[str, str], output: IO | None) -> None:
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            # Its own process group: Ctrl-C reaches the supervisor alone, which
            # stops each in order.
            start_new_session=True,
        )
        deadline = time.monotonic() + START_SECONDS
        while not self.ready():
            if self.process.poll() is not None:
                raise StackError(f"the {self.name} exited at start ({self.process.returncode}).")
            if time.monotonic() > deadline:
                self.stop()
                raise StackError(f"the {self.name} did not start within {START_SECONDS} s.")
            time.sleep(0.1)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if not self.running():
            return
        os.killpg(self.process.pid, self.stop_signal)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def connects(address: str | tuple[str, int]) -> Callable[[], bool]:
    """A readiness check: something accepts connections at this unix path or (host, port)."""

    def check() -> bool:
        family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET6
        if not isinstance(address, str) and ":" not in address[0]:
            family = socket.AF_INET
        with socket.socket(family) as sock:
            sock.settimeout(1)
            try:
                sock.connect(address)
            except OSError:
                return False
            return True

    return check


def app_server_command(layout: Layout) -> list[str]:
    """gunicorn with the project's config, on the unix socket nginx proxies to."""
    return [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "gunicorn.conf.py"]


def services(layout: Layout, nginx: str) -> list[Service]:
    """The stack's processes, started in this order and stopped in the reverse one."""
    return [
        Service("app server", app_server_command(layout), connects(str(layout.app_socket))),
        # SIGQUIT: nginx finishes the requests it has, then exits.
        Service(
            "nginx",
            [nginx, "-p", str(layout.run), "-c", str(layout.conf), "-e", "stderr"],
            connects((layout.host, layout.port)),
            stop_signal=signal.SIGQUIT,
        ),
        # The emails the site queues (comments/mail/delivery.py); SIGTERM lets it finish one.
        Service("email worker", [sys.executable, "manage.py", "email_worker"], lambda: True),
    ]


def stack_env(layout: Layout, base: dict[str, str]) -> dict[str, str]:
    """The app's environment behind this nginx: one trusted proxy, its socket, no access log."""
    env = dict(base)
    # nginx appends the reader's address to X-Forwarded-For and sets
    # X-Forwarded-Proto itself: the app may trust both.
    env.setdefault("DJANGO_TRUSTED_PROXY_COUNT", "1")
    env.setdefault("DJANGO_BEHIND_TLS_PROXY", "true")
    env["GUNICORN_BIND"] = f"unix:{layout.app_socket}"
    # nginx logs every request (with its cache status); the app's own log stays.
    env.setdefault("GUNICORN_ACCESS_LOG", "")
    return env


@dataclass
class Stack:
    """nginx and the app server of one run folder, started, watched and stopped together."""

    run: Path
    listen: str
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    output: IO | None = None
    services: list[Service] = field(default_factory=list)
    layout: Layout | None = None

    def prepare(self) -> Layout:
        """Render the config and the error page, and check nginx accepts them."""
        nginx = find_nginx()
        self.run.mkdir(parents=True, exist_ok=True)
        (self.run / "temp").mkdir(exist_ok=True)
        for folder in (self.run, self.run / "temp"):
            folder.chmod(0o755)  # nginx's workers reach the error page and sockets.
        self.refuse_if_running()
        said = self.django("deploy.unavailable", str(error_page(self.run)))
        facts = json.loads(said.strip().splitlines()[-1])
        static_root = Path(facts["static_root"])
        layout = Layout(self.run, self.listen, static_root, tuple(facts["personal_cookies"]))
        layout.error_page.chmod(0o644)
        manifest = static_root / "staticfiles.json"
        if not manifest.exists():
            raise StackError(f"no collected static files in {static_root}: run collectstatic.")
        if not readable_by_workers(manifest):
            raise StackError(
                f"nginx's workers (user nobody) cannot read {static_root}: make it and the "
                "folders above it readable by others (chmod o+rx), or set DJANGO_STATIC_ROOT."
            )
        for stale in (layout.app_socket, self.run / "compress.sock"):
            stale.unlink(missing_ok=True)
        layout.conf.write_text(render_nginx(layout, self.env))
        test = subprocess.run(
            [nginx, "-t", "-q", "-p", str(self.run), "-c", str(layout.conf), "-e", "stderr"],
            capture_output=True,
            text=True,
        )
        if test.returncode:
            raise StackError(f"nginx refused {layout.conf}:\n{test.stderr.strip()}")
        self.layout = layout
        self.services = services(layout, nginx)
        return layout

    def django(self, module: str, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise StackError(f"{module} failed:\n{(result.stderr or result.stdout).strip()}")
        return result.stdout

    def refuse_if_running(self) -> None:
        pid_file = self.run / "nginx.pid"
        try:
            os.kill(int(pid_file.read_text()), 0)
        except (OSError, ValueError):
            return
        raise StackError(f"another stack is running from {self.run} ({pid_file}).")

    @property
    def app_env(self) -> dict[str, str]:
        return stack_env(self.layout, self.env)

    def start(self) -> None:
        if self.layout is None:
            self.prepare()
        env = self.app_env
        try:
            for service in self.services:
                service.start(env, self.output)
        except BaseException:
            self.stop()
            raise

    def service(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def watch(self) -> int:
        """Until a signal or a process's exit; then stop everything. The exit status."""
        stopping: list[int] = []

        def on_signal(signum, frame) -> None:
            stopping.append(signum)

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, on_signal)
        try:
            while not stopping:
                if dead := next((s for s in self.services if not s.running()), None):
                    print(
                        f"make serve: the {dead.name} exited ({dead.process.returncode}); "
                        "stopping the others.",
                        file=sys.stderr,
                    )
                    return 1
                time.sleep(0.2)
            print(f"make serve: {signal.Signals(stopping[0]).name}, stopping.", file=sys.stderr)
            return 0
        finally:
            self.stop()


def main() -> int:
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    stack = Stack(Path(os.environ.get("SERVE_RUN_DIR") or ROOT / "run").resolve(), listen)
    stack.start()
    layout = stack.layout
    print(
        f"make serve: http://{listen}/ (nginx) -> {layout.app_socket} (gunicorn); "
        f"cache and logs in {layout.run}. Ctrl-C stops.",
        flush=True,
    )
    return stack.watch()


if __name__ == "__main__":
    sys.exit(main())
