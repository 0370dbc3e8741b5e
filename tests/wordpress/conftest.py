from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command

from tests.wordpress.builder import SAMPLE


@dataclass
class Run:
    out: str
    err: str

    @property
    def summary(self) -> str:
        return self.out.strip().splitlines()[-1]


def run_command(name: str, *args: str) -> Run:
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return Run(out.getvalue(), err.getvalue())


@pytest.fixture
def import_file(db):
    """Run ``manage.py import_wordpress`` on a file; its output and errors."""

    def run(path, *args: str) -> Run:
        return run_command("import_wordpress", str(path), *args)

    return run


@pytest.fixture
def sample():
    return SAMPLE


@pytest.fixture
def export_path(tmp_path):
    return tmp_path / "export.xml"
