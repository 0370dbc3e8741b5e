"""
`make serve` itself, as an operator and a crash meet it.

Each test runs the real `make serve` (migrate, collectstatic, then deploy/stack.py:
supervisord running gunicorn and the email worker, nginx in front) on a free
port against a temporary database, and kills its real processes with SIGKILL,
as the out-of-memory killer or a crash does.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SEED_SLUG
from tests.perf.server import (
    ROOT,
    Browser,
    Server,
    free_port,
    manage,
    post_comment,
    production_env,
    server_database,
    wait_for,
    world_readable_folder,
)

ARTICLE = f"/articles/{SEED_SLUG}/"
# Always answered by the app: a reply form is one reader's page (blog/views.py).
APP_ONLY = f"{ARTICLE}?replytocom=1"


@dataclass
class MakeServe(Server):
    """A running `make serve`: ``process`` is make; its processes are found under it."""

    run: Path | None = None

    def descendants(self) -> dict[int, str]:
        """Every process under make, by pid: what each one is."""
        found, queue = {}, [self.process.pid]
        while queue:
            pid = queue.pop()
            try:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except FileNotFoundError:
                continue
            for child in map(int, children):
                if kind := what(child):
                    found[child] = kind
                queue.append(child)
        return found

    def pids(self, kind: str) -> list[int]:
        return [pid for pid, name in self.descendants().items() if name == kind]

    def pid(self, kind: str) -> int:
        (pid,) = self.pids(kind)
        return pid

    def wait_for_log(self, text: str, after: int = 0, seconds: float = 60) -> None:
        wait_for(lambda: text in self.log_text()[after:], seconds, repr(text))


def what(pid: int) -> str | None:
    """Which process of the stack ``pid`` is (gunicorn's workers are not named: its master is)."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
        parent_arguments = Path(f"/proc/{parent}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    if arguments[0].startswith(b"nginx: master"):
        return "nginx"
    if b"supervisor.supervisord" in arguments:
        return "supervisord"
    if b"deploy.stack" in arguments:
        return "stack"
    if b"email_worker" in arguments:
        return "email worker"
    if b"gunicorn" in arguments and b"supervisor.supervisord" in parent_arguments:
        return "app server"
    return None


def make_serve(tmp_path: Path, static_root: Path, database_url: str, **extra: str) -> MakeServe:
    """Start `make serve` on a free port, with its run folder in a temporary folder."""
    env = production_env(database_url, static_root, SERVE_ACCESS_LOG="", **extra)
    manage(env, "migrate", "--noinput")
    run = world_readable_folder("relief-serve-")
    port = free_port()
    env.update(HOST="127.0.0.1", PORT=str(port), SERVE_RUN_DIR=str(run), WEB_CONCURRENCY="1")
    log = tmp_path / f"serve-{port}.log"
    with log.open("a") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "serve"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = MakeServe(port, database_url, log, process, run=run)
    try:
        wait_for(
            lambda: "Ctrl-C stops" in server.log_text() or process.poll() is not None,
            120,
            "make serve to start",
        )
        assert process.poll() is None, server.log_text()
    except AssertionError:
        stop(server)
        raise
    return server


def stop(server: MakeServe) -> None:
    """Ctrl-C: the terminal's SIGINT reaches make and the stack alike; then its run folder goes."""
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGINT)
        server.process.wait(timeout=90)
    shutil.rmtree(server.run, ignore_errors=True)


def stored(server: MakeServe, path: str) -> bytes:
    """GET ``path`` until nginx answers it from its cache; the page."""
    for _ in range(100):
        response, page = server.request("GET", path)
        if response.getheader("X-Cache") == "HIT":
            return page
        time.sleep(0.05)
    raise AssertionError(f"{path} was never stored")


def test_ctrl_c_stops_every_process(tmp_path, static_root):
    """Ctrl-C: nginx, supervisord, the app server and the email worker all stop."""
    with server_database(tmp_path) as database_url:
        server = make_serve(tmp_path, static_root, database_url)
        try:
            assert server.get("/healthz")[0].status == 200
            started = server.descendants()
            kinds = ["app server", "email worker", "nginx", "stack", "supervisord"]
            assert sorted(started.values()) == kinds
        finally:
            stop(server)
        for pid in started:
            assert not Path(f"/proc/{pid}").exists(), started[pid]
        assert "SIGINT, stopping" in server.log_text()
        with pytest.raises(OSError):
            server.get("/healthz")


def test_sigterm_to_the_stack_stops_it_cleanly(tmp_path, static_root):
    """A service manager's SIGTERM to deploy/stack.py: everything stops, exit status 0."""
    with server_database(tmp_path) as database_url:
        server = make_serve(tmp_path, static_root, database_url)
        started = server.descendants()
        try:
            os.kill(server.pid("stack"), signal.SIGTERM)
            assert server.process.wait(timeout=90) == 0, server.log_text()
            assert not [pid for pid in started if Path(f"/proc/{pid}").exists()]
            assert "SIGTERM, stopping" in server.log_text()
        finally:
            stop(server)


def test_the_app_server_killed_is_restarted_while_nginx_answers(tmp_path, static_root):
    """
    kill -9 of the whole app server, again as soon as it is back, twice: nginx
    answers throughout (the stored article 200, the rest the styled 503),
    supervisord says so and starts it again, waiting longer each time it died
    at start; then comments are taken again.
    """
    with server_database(tmp_path) as database_url:
        server = make_serve(tmp_path, static_root, database_url)
        try:
            article = stored(server, ARTICLE)
            answers = Counter()
            spawned = []
            for _ in range(3):
                app = server.pid("app server")
                before = len(server.log_text())
                os.killpg(app, signal.SIGKILL)  # The master and its workers, at once.
                server.wait_for_log("exited: app-server (terminated by SIGKILL", before)
                while not re.search(r"spawned: 'app-server'", server.log_text()[before:]):
                    response, page = server.request("GET", ARTICLE)
                    assert (response.status, page) == (200, article)
                    response, page = server.request("GET", APP_ONLY)
                    answers[response.status] += 1
                    if response.status == 503:
                        assert b"Temporarily unavailable" in page
                        assert response.getheader("Retry-After") == "30"
                    time.sleep(0.25)  # A person's pace: within the limit on what reaches the app.
                spawned.append(spawn_delay(server.log_text()[before:]))
                wait_for(lambda app=app: server.pids("app server") not in ([], [app]), 60, "app")

            assert set(answers) <= {200, 503} and answers[503] > 0, answers
            # Each time it died within startsecs of starting, it waited longer: 1 s, 2 s...
            assert spawned[1] >= 0.9 and spawned[2] >= 1.9, spawned
            wait_for(lambda: server.request("GET", APP_ONLY)[0].status == 200, 60, "the app")
            response, _ = post_comment(server, Browser(), SEED_SLUG, "Back after the crash.")
            assert response.status == 302
        finally:
            stop(server)


def spawn_delay(log: str) -> float:
    """Seconds between supervisord's "exited" line and the next "spawned" one for the app."""
    stamps = {}
    for line in log.splitlines():
        if match := re.match(r"(\S+ \S+),(\d+) \w+ (exited|spawned): '?app-server", line):
            stamp = time.mktime(time.strptime(match[1], "%Y-%m-%d %H:%M:%S"))
            stamps.setdefault(match[3], stamp + int(match[2]) / 1000)
    return stamps["spawned"] - stamps["exited"]


def test_the_email_worker_killed_is_restarted(tmp_path, static_root):
    """kill -9 of the email worker: supervisord says so and runs a new one; the site stays up."""
    with server_database(tmp_path) as database_url:
        server = make_serve(tmp_path, static_root, database_url)
        try:
            worker = server.pid("email worker")
            before = len(server.log_text())
            os.kill(worker, signal.SIGKILL)
            server.wait_for_log("exited: email-worker (terminated by SIGKILL", before)
            server.wait_for_log("spawned: 'email-worker'", before)
            wait_for(lambda: server.pids("email worker") not in ([], [worker]), 60, "a worker")
            assert server.get("/healthz")[0].status == 200
            assert server.process.poll() is None
        finally:
            stop(server)


@pytest.mark.parametrize(
    ("killed", "said"), [("nginx", "nginx"), ("supervisord", "process manager")]
)
def test_nginx_or_the_process_manager_dying_stops_the_stack(tmp_path, static_root, killed, said):
    """
    Nobody reaches the site without nginx, and nothing keeps the app up without
    Supervisor: make serve stops everything, leaves nothing running, and fails, saying why.
    """
    with server_database(tmp_path) as database_url:
        server = make_serve(tmp_path, static_root, database_url)
        started = server.descendants()
        try:
            os.kill(server.pid(killed), signal.SIGKILL)
            assert server.process.wait(timeout=90) != 0
            assert f"{said} exited (-9); stopping everything" in server.log_text()
            wait_for(
                lambda: not [pid for pid in started if Path(f"/proc/{pid}").exists()], 60, "all"
            )
        finally:
            stop(server)


def test_two_stacks_on_one_machine_keep_to_their_own_files(tmp_path, static_root):
    """
    Two `make serve` at once, each with its own run folder and port: both
    answer, each has its own sockets, nothing is written to the home or
    temporary folder, and stopping one leaves the other serving.
    """
    home, temp = world_readable_folder("relief-home-"), world_readable_folder("relief-tmp-")
    isolated = {"HOME": str(home), "TMPDIR": str(temp), "XDG_RUNTIME_DIR": ""}
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
    with (
        server_database(tmp_path / "one") as first_url,
        server_database(tmp_path / "two") as second_url,
    ):
        first = make_serve(tmp_path, static_root, first_url, **isolated)
        second = make_serve(tmp_path, static_root, second_url, **isolated)
        try:
            for server in (first, second):
                assert server.get("/healthz")[0].status == 200
                for name in ("app.sock", "gunicorn.ctl", "supervisor.sock", "compress.sock"):
                    assert (server.run / name).is_socket(), name
            assert list(home.iterdir()) == [] and list(temp.iterdir()) == []
            stop(first)
            assert second.get("/healthz")[0].status == 200
            with socket.socket(socket.AF_UNIX) as control:
                control.connect(str(second.run / "gunicorn.ctl"))
            assert second.process.poll() is None
        finally:
            stop(first)
            stop(second)
            shutil.rmtree(home, ignore_errors=True)
            shutil.rmtree(temp, ignore_errors=True)
