"""
The email worker and the project's shell in processes of their own (tests, `make bench-email`).
"""

import subprocess
import sys
from pathlib import Path

from tests.perf.server import ROOT, wait_for

__all__ = ["shell", "start_worker", "wait_for"]


def shell(env: dict[str, str], script: str) -> str:
    """What a script prints, run by `manage.py shell` with this environment."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def start_worker(env: dict[str, str], log: Path, poll: str = "0.1") -> subprocess.Popen:
    """``manage.py email_worker`` in a process of its own, looking for tasks every ``poll`` s."""
    command = ["manage.py", "email_worker", "--no-startup-delay", "--interval", poll]
    with log.open("a") as output:
        return subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
