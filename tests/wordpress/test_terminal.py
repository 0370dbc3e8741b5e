"""On a terminal the import shows a progress bar; piped, only its lines and the summary."""

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios

from tests.perf.server import ROOT, manage, production_env
from tests.wordpress.builder import SAMPLE


def test_a_terminal_gets_a_progress_bar_and_the_summary(tmp_path):
    """tqdm draws on the terminal, the problem lines and the summary stay readable."""
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "static")
    manage(env, "migrate", "--noinput")
    leader, follower = pty.openpty()
    # A terminal of 24 rows and 100 columns (a new pseudo-terminal has no size).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_wordpress", str(SAMPLE)],
        cwd=ROOT,
        env=env,
        stdin=follower,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=60) == 0
    text = output.decode(errors="replace")
    assert "Importing:" in text and "%|" in text, repr(text[:600])
    assert "is taken by another article here" in text
    assert "Imported 1 article (1 renamed); 4 comments" in text


def test_piped_output_has_no_progress_bar(tmp_path):
    """Without a terminal (cron, a pipe), no bar: the lines and the summary alone."""
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "static")
    manage(env, "migrate", "--noinput")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_wordpress", str(SAMPLE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "%|" not in result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("Imported 1 article")
    assert "delete it" in result.stderr
