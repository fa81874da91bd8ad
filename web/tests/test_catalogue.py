"""The Danish catalogues translate every message: no empty or fuzzy entry ships."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(p for p in ROOT.glob("**/locale/da/LC_MESSAGES/django.po") if ".venv" not in p.parts)


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="needs GNU gettext (msgfmt), as compilemessages does")
@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_danish_catalogue_is_complete(catalogue):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_the_project_catalogue_exists():
    assert ROOT / "locale" / "da" / "LC_MESSAGES" / "django.po" in CATALOGUES
