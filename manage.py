#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path

# The .env that `make run` writes (debug on, for development) is read by
# manage.py only, so that `manage.py createsuperuser` works with nothing to
# prefix. The production server (config/wsgi.py) reads no file unless
# DJANGO_ENV_FILE names one; set it empty to have manage.py read none either.
DOT_ENV = Path(__file__).resolve().parent / ".env"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if DOT_ENV.exists():
        os.environ.setdefault("DJANGO_ENV_FILE", str(DOT_ENV))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
