"""
`make bench-pictures`: what a picture costs at upload, and what moving a WordPress
blog's pictures costs.

Each measure runs in a fresh process (wall time, and peak resident memory from
getrusage), beside a process that only starts Django, so what the work adds can
be read apart:

- one upload of a 24-megapixel JPEG (6000 × 4000, camera EXIF and GPS), as the
  admin stores it: stripped in place, three widths in JPEG and WebP; and the
  same photo turned by its EXIF orientation, which must be encoded again;
- `import_wordpress --uploads` of the reference export (three pictures), and of a
  generated export of 1,000 posts with 1,000 pictures (1200 × 800 JPEGs) in its
  uploads folder, then the same import again (nothing to do: idempotent).
"""

import os
import platform
import random
import tempfile
from pathlib import Path

from PIL import Image

from bench.process import measure
from tests.perf.server import ROOT, manage, production_env
from tests.pictures import images
from tests.wordpress.builder import SITE, attachment, header, post

REFERENCE = ROOT / "tests/wordpress/data/wordpress-blog-export"
IMAGES = 1_000

# One upload as the admin stores it (pictures/store.py), the photo's path as the argument.
UPLOAD = """
import io
from pictures.store import create_picture
data = open(arguments[0], "rb").read()
create_picture(io.BytesIO(data), "photo.jpg", size=len(data), alt="A photo")
"""


def camera_photo(path: Path, orientation: int = 1) -> Path:
    """A 24-megapixel JPEG with texture (so it compresses like a photo), EXIF and GPS."""
    noise = Image.effect_noise((1500, 1000), 40).resize((6000, 4000))
    base = Image.linear_gradient("L").resize((6000, 4000))
    photo = Image.merge("RGB", (base, noise, Image.blend(base, noise, 0.5)))
    tags = images.exif()
    tags[0x0112] = orientation
    photo.save(path, "JPEG", quality=92, exif=tags)
    return path


def generated_blog(folder: Path, count: int) -> tuple[Path, Path]:
    """An export of ``count`` posts, each showing its own picture, and its uploads folder."""
    uploads = folder / "uploads"
    (uploads / "2025/01").mkdir(parents=True)
    random.seed(23)
    export = folder / f"wp-{count}-images.xml"
    with export.open("w", encoding="utf-8") as out:
        out.write(header())
        for number in range(1, count + 1):
            name = f"2025/01/photo-{number}.jpg"
            image = Image.effect_noise((300, 200), 30 + number % 20).resize((1200, 800))
            colour = Image.new("RGB", (1200, 800), tuple(random.randrange(256) for _ in range(3)))
            Image.blend(image.convert("RGB"), colour, 0.6).save(uploads / name, "JPEG", quality=85)
            url = f"{SITE}/wp-content/uploads/{name}"
            content = (
                f'<!-- wp:image {{"id":{100_000 + number}}} -->\n<figure class="wp-block-image">'
                f'<img src="{url}" alt="Photo {number}" class="wp-image-{100_000 + number}"/>'
                "</figure>\n<!-- /wp:image -->"
            )
            out.write(post(number, name=f"post-{number}", content=content,
                           meta={"_thumbnail_id": str(100_000 + number)}))  # fmt: skip
            out.write(attachment(100_000 + number, url, name, f"Photo {number}"))
        out.write("\n\t</channel>\n</rss>\n")
    return export, uploads


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def show(label: str, result: dict, nothing: dict) -> None:
    """One measure, as soon as it is made (the 1,000 pictures take minutes)."""
    extra = result["peak_kib"] - nothing["peak_kib"]
    print(
        f"  {label:48} {result['seconds']:8.2f}s {mib(result['peak_kib']):>12} {mib(extra):>12}",
        flush=True,
    )


def main() -> None:
    print(f"Pictures on {platform.node()}, {os.cpu_count()} CPUs")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)

        def fresh(name: str) -> dict[str, str]:
            env = production_env(f"sqlite:///{tmp / f'{name}.sqlite3'}", tmp / "static")
            env["DJANGO_MEDIA_ROOT"] = str(tmp / f"media-{name}")
            manage(env, "migrate", "--noinput")
            return env

        env = fresh("upload")
        nothing = measure(env, "nothing")
        print(f"  {'':48} {'time':>9} {'peak memory':>12} {'over Django':>12}")
        show("Django started, nothing done", nothing, nothing)

        def add(label: str, result: dict) -> None:
            rows.append((label, result))
            show(label, result, nothing)

        upright = camera_photo(tmp / "upright.jpg")
        turned = camera_photo(tmp / "turned.jpg", orientation=6)
        size = upright.stat().st_size
        add(
            f"upload, 24 MP JPEG ({size / 1e6:.1f} MB)",
            measure(env, "python", UPLOAD, str(upright)),
        )
        add("upload, 24 MP JPEG turned by EXIF", measure(env, "python", UPLOAD, str(turned)))

        env = fresh("reference")
        command = ["import_wordpress", str(REFERENCE / "export.xml"), "--uploads"]
        add(
            "import, reference export (3 pictures)",
            measure(env, *command, str(REFERENCE / "uploads")),
        )
        export, uploads = generated_blog(tmp, IMAGES)
        env = fresh("generated")
        command = ["import_wordpress", str(export), "--uploads", str(uploads)]
        add(f"import, {IMAGES:,} posts with {IMAGES:,} pictures", measure(env, *command))
        add("the same import again (nothing new)", measure(env, *command))
    return rows


if __name__ == "__main__":
    main()
