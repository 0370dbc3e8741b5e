"""
One piece of work in a fresh Python process, as the benches measure it.

Its wall time, and its peak resident memory from getrusage, beside what a process
that only starts Django costs (``measure(env, "nothing")``), so that what the work
adds can be read apart. The work is a management command and its arguments, or
``"python"``, a snippet and its arguments (read by the snippet as ``arguments``).
"""

import json
import subprocess
import sys

from tests.perf.server import ROOT

SCRIPT = """
import json, resource, sys, time
import django
django.setup()
from io import StringIO
from django.core.management import call_command
started = time.perf_counter()
if sys.argv[1] == "python":
    exec(sys.argv[2], {"arguments": sys.argv[3:]})
elif sys.argv[1] != "nothing":
    call_command(*sys.argv[1:], stdout=StringIO(), stderr=StringIO())
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def measure(env: dict[str, str], *work: str) -> dict:
    """Run ``work`` in a fresh process with this environment: its seconds and peak KiB."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *work],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
