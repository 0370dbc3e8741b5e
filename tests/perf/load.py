"""
Loopback clients in processes of their own, for the stack tests and `make bench`.

Standard library only, so a spawned process imports nothing of Django. Each
client has a loopback source address of its own (127.0.0.0/8 is all this
machine's): nginx tells clients apart by their address, as it does readers.
"""

import os
import time
import uuid
from http.client import HTTPConnection


def connect(port: int, source: str) -> HTTPConnection:
    return HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))


def flood(port: int, source: str, article: str, seconds: float, counts) -> None:
    """
    Unique query strings and dummy cookies, as fast as one connection goes.

    Every shape an attacker would use to get past a page cache: a parameter a
    page reads, one no page reads, tracking ones, and the cookies that make a
    page personal. ``counts`` (a shared dict) gets the answers by status.
    """
    shapes = [
        ("/?replytocom={}", {}),
        (article + "?replytocom={}", {}),
        (article + "?x={}", {}),
        (article + "?page={}", {}),
        (article, {"Cookie": "messages={}"}),
        (article, {"Cookie": "sessionid={}; comments_pending={}"}),
        (article + "?fbclid={}", {"Cookie": "csrftoken={}"}),
    ]

    def request(number: int, marker: str) -> tuple[str, dict[str, str]]:
        path, headers = shapes[number % len(shapes)]
        value = f"{marker}{number}"
        headers = {name: text.format(value, value) for name, text in headers.items()}
        return path.format(number + 1), headers

    hammer(port, source, seconds, counts, request)


def read(port: int, source: str, path: str, seconds: float, per_second: int, latencies) -> None:
    """
    One reader asking for ``path`` ``per_second`` times a second over one
    connection; ``latencies`` (a shared list) gets (seconds, status) of each.
    """
    connection, timed = connect(port, source), []
    deadline, interval = time.monotonic() + seconds, 1 / per_second
    while time.monotonic() < deadline:
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        timed.append((time.perf_counter() - started, response.status))
        time.sleep(max(0.0, interval - (time.perf_counter() - started)))
    latencies.extend(timed)


def search_flood(port: int, source: str, seconds: float, counts) -> None:
    """Unique searches (``/search/?q=…``) as fast as one connection goes; statuses in ``counts``."""
    words = ["cramp", "massage", "foot", "night", "relief", "stretch"]

    def request(number: int, marker: str) -> tuple[str, dict[str, str]]:
        return f"/search/?q={words[number % len(words)]}+{marker}{number}", {}

    hammer(port, source, seconds, counts, request)


def hammer(port: int, source: str, seconds: float, counts, request) -> None:
    """
    ``request(number, marker)``'s GETs, each new, as fast as one connection goes;
    ``counts`` (a shared dict) gets the answers by status. A dropped connection is
    opened again.
    """
    # The attacker's own machine does its work, not ours: here it is only
    # kept below the server's processes in the CPU's order. What nginx and the
    # app do for it is on this machine, as it would be.
    os.nice(10)
    deadline, number, seen = time.monotonic() + seconds, 0, {}
    connection, marker = connect(port, source), uuid.uuid4().hex[:6]
    while time.monotonic() < deadline:
        path, headers = request(number, marker)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            seen[response.status] = seen.get(response.status, 0) + 1
        except OSError:
            connection.close()
            connection = connect(port, source)
        number += 1
    counts.update(seen)
