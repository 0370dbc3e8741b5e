"""
`make bench-wordpress`: how long importing and exporting a WordPress blog takes, and its memory.

It generates WordPress exports in the shape of WordPress 6.1's own
(tests/wordpress/builder.py): 100 posts with 2,000 comments, and 1,000
posts with 20,000 comments. Each is imported into a new database (SQLite, or
PostgreSQL when DATABASE_URL names one) by `manage.py import_wordpress` in a
process of its own, then exported again by `export_wordpress`; each process
reports its wall time and its peak resident memory (getrusage), beside a
process that only starts Django, so what the work adds can be read apart.

Read the ratios: ten times the file should take about ten times the time, and
no more memory than the small one (the file is streamed, one post at a time).
"""

import os
import platform
import tempfile
from pathlib import Path

from bench.process import measure
from tests.perf.server import manage, production_env, server_database
from tests.wordpress.builder import generate

SIZES = ((100, 2_000), (1_000, 20_000))


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def main() -> None:
    print(f"WordPress import and export on {platform.node()}, {os.cpu_count()} CPUs")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for posts, comments in SIZES:
            export = generate(tmp / f"wp-{posts}.xml", posts, comments)
            with server_database(tmp) as database_url:
                if database_url.startswith("sqlite"):
                    database_url = f"sqlite:///{tmp / f'db-{posts}.sqlite3'}"
                env = production_env(database_url, tmp / "static")
                manage(env, "migrate", "--noinput")
                django_only = measure(env, "nothing")
                imported = measure(env, "import_wordpress", str(export))
                again = measure(env, "import_wordpress", str(export))
                out = tmp / f"out-{posts}.xml"
                exported = measure(env, "export_wordpress", str(out))
            rows.append(
                (posts, comments, export.stat().st_size, django_only, imported, again, exported)
            )
            print(f"  {posts} posts, {comments} comments done", flush=True)

    print()
    print(
        f"{'export file':>40} | {'import':>16} | {'again (no-op)':>14} | {'export':>16} | "
        "Django alone"
    )
    for posts, comments, size, alone, imported, again, exported in rows:
        label = f"{posts:,} posts, {comments:,} comments ({size / 2**20:.1f} MiB)"
        print(
            f"{label:>40} | {imported['seconds']:6.1f} s {mib(imported['peak_kib']):>7} | "
            f"{again['seconds']:6.1f} s {mib(again['peak_kib']):>5} | "
            f"{exported['seconds']:6.1f} s {mib(exported['peak_kib']):>7} | "
            f"{mib(alone['peak_kib'])}"
        )
    (_, small_comments, small_size, small_alone, small_import, _, small_export) = rows[0]
    (_, big_comments, big_size, big_alone, big_import, _, big_export) = rows[-1]
    print()
    print(f"Ten times the export ({big_size / small_size:.1f}x the bytes):")
    print(
        f"  import takes {big_import['seconds'] / small_import['seconds']:.1f}x the time, "
        f"{1000 * big_import['seconds'] / big_comments:.2f} ms per comment; its memory above "
        f"Django's is {mib(big_import['peak_kib'] - big_alone['peak_kib'])} against "
        f"{mib(small_import['peak_kib'] - small_alone['peak_kib'])}"
    )
    print(f"  export takes {big_export['seconds'] / small_export['seconds']:.1f}x the time; its "
          f"memory above Django's is {mib(big_export['peak_kib'] - big_alone['peak_kib'])} against "
          f"{mib(small_export['peak_kib'] - small_alone['peak_kib'])}")  # fmt: skip


if __name__ == "__main__":
    main()
