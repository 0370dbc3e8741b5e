"""
`make serve`: nginx in front, the app server and the email worker behind it.

``python -m deploy.stack`` renders deploy/nginx.conf, deploy/supervisord.conf
and nginx's own pages (deploy/pages.py) into the run folder (``SERVE_RUN_DIR``,
default ``run/``, git-ignored), then starts two processes in the foreground,
their logs on standard output:

- **supervisord** (Supervisor, a kept process manager), which runs the app
  server (gunicorn, on a unix socket in the run folder) and the email worker,
  and starts either again, with backoff, whenever it dies;
- **nginx** on ``$HOST:$PORT``, once the app server answers, which keeps
  answering from its cache (and with its styled 503) while the app is down.

Ctrl-C or SIGTERM stops both (nginx first, so nothing new reaches the app while
it finishes what it has); so does nginx dying, since then nobody can reach the
site: make serve exits non-zero and says so. Processes the process manager
started are stopped even if it was killed itself (this process is their
subreaper). Every file of a stack is in its run folder, so two stacks run side
by side.

Tests and ``make bench`` start the same stack through ``Stack`` (tests/perf/server.py).
"""

import contextlib
import ctypes
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from supervisor.xmlrpc import SupervisorTransport

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf"
SUPERVISOR_TEMPLATE = ROOT / "deploy" / "supervisord.conf"
STOP_SECONDS = 30
START_SECONDS = 60
# The programs supervisord runs (deploy/supervisord.conf).
APP_SERVER, EMAIL_WORKER = "app-server", "email-worker"
# What reaches the app, per client, unless SERVE_REQUESTS_PER_SECOND and
# SERVE_REQUEST_BURST say otherwise (README "Production").
REQUESTS_PER_SECOND, REQUEST_BURST = 5, 50


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
class Facts:
    """What nginx must know of the app's settings (deploy/pages.py says them)."""

    static_root: Path
    personal_cookies: tuple[str, ...]  # settings.PERSONAL_COOKIES: they bypass the cache
    tracking: str  # a regular expression matching a tracking parameter's name
    used: tuple[str, ...]  # the parameters pages read (serving/query.py)
    headers: tuple[tuple[str, str], ...] = ()  # on what nginx serves itself (config/headers.py)


@dataclass(frozen=True)
class Layout:
    """Where everything of one running stack lives."""

    run: Path
    listen: str  # host:port nginx listens on
    facts: Facts

    @property
    def static_root(self) -> Path:
        return self.facts.static_root

    @property
    def conf(self) -> Path:
        return self.run / "nginx.conf"

    @property
    def supervisor_conf(self) -> Path:
        return self.run / "supervisord.conf"

    @property
    def supervisor_socket(self) -> Path:
        return self.run / "supervisor.sock"

    @property
    def app_socket(self) -> Path:
        return self.run / "app.sock"

    @property
    def control_socket(self) -> Path:
        """gunicorn's control socket (gunicornc), which would otherwise be in $HOME."""
        return self.run / "gunicorn.ctl"

    @property
    def cache(self) -> Path:
        return self.run / "cache"

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])

    @property
    def host(self) -> str:
        return self.listen.rsplit(":", 1)[0].strip("[]")


def fill(template: Path, values: dict[str, str], comment: str) -> str:
    """``template`` with every @NAME@ filled in; one left unfilled stops the start."""
    text = template.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    if "@" in "".join(line.split(comment, 1)[0] for line in text.splitlines()):
        raise StackError(f"{template} holds a @NAME@ that deploy/stack.py does not fill in.")
    return text


def render_nginx(layout: Layout, env: dict[str, str]) -> str:
    """deploy/nginx.conf for this stack."""
    proxies = int(env.get("DJANGO_TRUSTED_PROXY_COUNT") or 1)
    rate = int(env.get("SERVE_REQUESTS_PER_SECOND") or REQUESTS_PER_SECOND)
    burst = int(env.get("SERVE_REQUEST_BURST") or REQUEST_BURST)
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
        "PERSONAL_COOKIES": "|".join(map(re.escape, layout.facts.personal_cookies)),
        "TRACKING": layout.facts.tracking,
        "USED": "|".join(map(re.escape, layout.facts.used)),
        # One proxy (this nginx) speaks for the scheme; behind another, that one does.
        "FORWARDED_PROTO": "$outer_proto" if proxies > 1 else "$scheme",
        "CLIENT_ADDRESS": client_address_map(proxies),
        "IPV6_NETWORKS": ipv6_network_map(),
        "RATE": str(max(rate, 1)),
        "BURST": str(burst),
        "LIMIT": f"limit_req zone=app_requests burst={burst} nodelay;" if rate > 0 else "",
        "SECURITY_HEADERS": "\n            ".join(
            f'add_header {name} "{value}" always;' for name, value in layout.facts.headers
        ),
    }
    return fill(TEMPLATE, values, "#")


def client_address_map(proxies: int) -> str:
    """
    nginx's ``$client_address``: the address the app takes for the client.

    Behind ``proxies`` proxies in all (this nginx included), the app reads it
    that many entries from the right of X-Forwarded-For once nginx has
    appended the address it saw (comments/client.py): here, before nginx
    appends, one fewer.
    """
    if proxies <= 1:
        return "    map $remote_addr $client_address { default $remote_addr; }"
    skipped = r"(?:,[^,]*)" + (f"{{{proxies - 2}}}" if proxies > 2 else "{0}")
    return (
        "    map $http_x_forwarded_for $client_address {\n"
        "        default $remote_addr;\n"
        f'        "~(?<client>[^,\\s]+)\\s*{skipped}$" $client;\n'
        "    }"
    )


def ipv6_network_map() -> str:
    """
    Map entries from an IPv6 address, as nginx writes it, to its /64 network.

    nginx writes addresses without leading zeros and with the longest run of
    two or more zero groups as ``::``; each entry below matches one way that
    run can fall and names the first four groups, zeros written out.
    """
    group, tail = "([0-9a-f]+)", "[0-9a-f]+"
    entries = [(f"^{group}:{group}:{group}:{group}:", "$1:$2:$3:$4")]
    for before in range(4):
        # The run of zeros reaches the fourth group: after it, up to four more groups.
        head = ":".join([group] * before)
        key = ":".join([f"${n}" for n in range(1, before + 1)] + ["0"] * (4 - before))
        entries.append((f"^{head}::({tail}(:{tail}){{0,3}})?$", key))
    # The run ends before the fourth group: five or six groups follow it.
    after = f":{tail}" * 4
    entries += [
        (f"^::{group}{after}$", "0:0:0:$1"),
        (f"^::{group}:{group}{after}$", "0:0:$1:$2"),
        (f"^{group}::{group}{after}$", "$1:0:0:$2"),
    ]
    return "\n".join(f'        "~{pattern}" {key};' for pattern, key in entries)


def render_supervisor(layout: Layout) -> str:
    """deploy/supervisord.conf for this stack."""
    values = {
        "RUN": str(layout.run),
        "ROOT": str(ROOT),
        "USER": pwd.getpwuid(os.geteuid()).pw_name,
        # Below nginx in the CPU's order (nice 10): a burst of renders never
        # delays a stored page, on a machine with few cores.
        "APP_SERVER": " ".join(["nice", "-n", "10", *app_server_command()]),
        "WORKER": " ".join(["nice", "-n", "10", sys.executable, "manage.py", "email_worker"]),
        "START_SECONDS": "10",
    }
    return fill(SUPERVISOR_TEMPLATE, values, ";")


def access_log(value: str) -> str:
    return "off" if value in {"", "off"} else f"{value} stack buffer=64k flush=1s"


def readable_by_workers(path: Path) -> bool:
    """Whether nginx's workers (nobody, when started as root) can reach and read ``path``."""
    if os.geteuid() != 0:
        return os.access(path, os.R_OK)
    for folder in [path, *path.parents]:
        if folder.is_dir() and not folder.stat().st_mode & 0o001:
            return False
    return bool(path.stat().st_mode & 0o004)


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, name: str) -> None:
    """Until ``ready()``; a start error if ``process`` exits or START_SECONDS pass first."""
    deadline = time.monotonic() + START_SECONDS
    while not ready():
        if process.poll() is not None:
            raise StackError(f"the {name} exited at start ({process.returncode}).")
        if time.monotonic() > deadline:
            raise StackError(f"the {name} did not start within {START_SECONDS} s.")
        time.sleep(0.1)


@dataclass
class Service:
    """One long-running process this module starts, and how to tell it is ready."""

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
            # Its own process group: Ctrl-C reaches this process alone, which
            # stops each in order.
            start_new_session=True,
        )
        try:
            wait_until(self.ready, self.process, self.name)
        except StackError:
            self.stop()
            raise

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


def app_server_command() -> list[str]:
    """gunicorn with the project's config (gunicorn.conf.py), where GUNICORN_BIND says."""
    return [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "gunicorn.conf.py"]


def app_answers(layout: Layout) -> Callable[[], bool]:
    """
    Readiness of the process manager: the app server accepts connections.

    An app server that exits while starting (a wrong setting, a database it
    cannot reach) is tried again by supervisord with backoff, forever: at
    start, that is a reason to stop, with the app's own words in the log above.
    """
    answers = connects(str(layout.app_socket))

    def check() -> bool:
        if answers():
            return True
        try:
            state = supervisor(layout).getProcessInfo(APP_SERVER)["statename"]
        except (OSError, xmlrpc.client.Fault):
            return False  # supervisord is not listening yet
        if state in {"BACKOFF", "FATAL"}:
            raise StackError("the app server exited at start: its log above says why.")
        return False

    return check


def supervisor(layout: Layout):
    """supervisord's XML-RPC interface, on its socket in the run folder (as supervisorctl uses)."""
    transport = SupervisorTransport(None, None, f"unix://{layout.supervisor_socket}")
    return xmlrpc.client.ServerProxy("http://localhost", transport=transport).supervisor


def services(layout: Layout, nginx: str) -> list[Service]:
    """The processes this module starts, in this order, and stops in the reverse one."""
    return [
        # The app server and the email worker, kept running; ready once the app answers.
        Service(
            "process manager",
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(layout.supervisor_conf)],
            app_answers(layout),
        ),
        # SIGQUIT: nginx finishes the requests it has, then exits.
        Service(
            "nginx",
            [nginx, "-p", str(layout.run), "-c", str(layout.conf), "-e", "stderr"],
            connects((layout.host, layout.port)),
            stop_signal=signal.SIGQUIT,
        ),
    ]


def stack_env(layout: Layout, base: dict[str, str]) -> dict[str, str]:
    """The app's environment behind this nginx: one trusted proxy, its sockets, no access log."""
    env = dict(base)
    # nginx appends the reader's address to X-Forwarded-For and sets
    # X-Forwarded-Proto itself: the app may trust both.
    env.setdefault("DJANGO_TRUSTED_PROXY_COUNT", "1")
    env.setdefault("DJANGO_BEHIND_TLS_PROXY", "true")
    env["GUNICORN_BIND"] = f"unix:{layout.app_socket}"
    env["GUNICORN_CONTROL_SOCKET"] = str(layout.control_socket)
    # The app deletes what it withdraws from this stack's cache (serving/purge.py).
    env["SERVE_RUN_DIR"] = str(layout.run)
    # nginx logs every request (with its cache status); the app's own log stays.
    env.setdefault("GUNICORN_ACCESS_LOG", "")
    return env


@dataclass
class Stack:
    """nginx, and the app server and email worker under supervisord, of one run folder."""

    run: Path
    listen: str
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    output: IO | None = None
    services: list[Service] = field(default_factory=list)
    layout: Layout | None = None

    def prepare(self) -> Layout:
        """Render the configs and nginx's pages, and check nginx accepts them."""
        nginx = find_nginx()
        self.run.mkdir(parents=True, exist_ok=True)
        (self.run / "temp").mkdir(exist_ok=True)
        for folder in (self.run, self.run / "temp"):
            folder.chmod(0o755)  # nginx's workers reach the error pages and sockets.
        self.refuse_if_running()
        said = self.django("deploy.pages", str(self.run))
        facts = json.loads(said.strip().splitlines()[-1])
        layout = Layout(
            self.run,
            self.listen,
            Facts(
                Path(facts["static_root"]),
                tuple(facts["personal_cookies"]),
                facts["tracking"],
                tuple(facts["used"]),
                tuple(facts["headers"].items()),
            ),
        )
        manifest = layout.static_root / "staticfiles.json"
        if not manifest.exists():
            raise StackError(f"no collected static files in {layout.static_root}: collectstatic.")
        if not readable_by_workers(manifest):
            raise StackError(
                f"nginx's workers (user nobody) cannot read {layout.static_root}: make it and the "
                "folders above it readable by others (chmod o+rx), or set DJANGO_STATIC_ROOT."
            )
        for stale in (layout.app_socket, self.run / "compress.sock", layout.supervisor_socket):
            stale.unlink(missing_ok=True)
        layout.conf.write_text(render_nginx(layout, self.env))
        layout.supervisor_conf.write_text(render_supervisor(layout))
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
        for pid_file in (self.run / "nginx.pid", self.run / "supervisord.pid"):
            try:
                os.kill(int(pid_file.read_text()), 0)
            except (OSError, ValueError):
                continue
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

    # The programs supervisord runs, through its control socket (as supervisorctl does).
    def program_pid(self, name: str) -> int:
        """The process id of a program supervisord runs (0 when it is not running)."""
        return supervisor(self.layout).getProcessInfo(name)["pid"]

    def stop_program(self, name: str) -> None:
        supervisor(self.layout).stopProcess(name)

    def start_program(self, name: str) -> None:
        supervisor(self.layout).startProcess(name)

    def watch(self) -> int:
        """Until a signal, or nginx or supervisord exiting; then stop all. The exit status."""
        stopping: list[int] = []

        def on_signal(signum, frame) -> None:
            stopping.append(signum)

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, on_signal)
        try:
            while not stopping:
                if dead := next((s for s in self.services if not s.running()), None):
                    print(
                        f"make serve: {dead.name} exited ({dead.process.returncode}); "
                        "stopping everything.",
                        file=sys.stderr,
                        flush=True,
                    )
                    return 1
                reap_orphans({s.process.pid for s in self.services})
                time.sleep(0.2)
            print(f"make serve: {signal.Signals(stopping[0]).name}, stopping.", file=sys.stderr)
            return 0
        finally:
            self.stop()
            stop_orphans()


def become_subreaper() -> None:
    """
    Adopt the processes of processes this one started, when those die first.

    Should supervisord itself be killed, the app server and the worker it ran
    become children of this process (Linux's PR_SET_CHILD_SUBREAPER), which
    stops them with the rest instead of leaving them running unseen.
    """
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def children() -> list[int]:
    pid = os.getpid()
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def reap_orphans(own: set[int] = frozenset()) -> None:
    """Collect adopted processes that exited (they would stay zombies), never one of ``own``."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None or info.si_pid in own:
            return  # Popen collects its own, with their exit status.
        os.waitpid(info.si_pid, 0)


def stop_orphans() -> None:
    """SIGTERM, then SIGKILL, whatever adopted process is left once the stack has stopped."""
    if sys.platform != "linux":
        return
    for signum in (signal.SIGTERM, signal.SIGKILL):
        for pid in children():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
        deadline = time.monotonic() + STOP_SECONDS
        while children() and time.monotonic() < deadline:
            reap_orphans()
            time.sleep(0.1)
    reap_orphans()


def main() -> int:
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    become_subreaper()
    stack = Stack(Path(os.environ.get("SERVE_RUN_DIR") or ROOT / "run").resolve(), listen)
    stack.start()
    layout = stack.layout
    print(
        f"make serve: http://{listen}/ (nginx) -> {layout.app_socket} (gunicorn, with the email "
        f"worker, under supervisord); cache and logs in {layout.run}. Ctrl-C stops.",
        flush=True,
    )
    return stack.watch()


if __name__ == "__main__":
    sys.exit(main())
