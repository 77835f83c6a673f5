"""Packaging: a non-editable install (``pip install .``, as in production) carries every module,
template, stylesheet, migration and catalogue of the repository, not only what an editable
install happens to see through the source tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Repository folder -> its place in the installed `samverkan` package.
FOLDERS = {"platform": "platform", "tenants": "tenants", "ownership": "ownership",
           "partnership": "partnership", "migrations": "migrations", "translations": "translations"}
SHIPPED_SUFFIXES = {".py", ".html", ".css", ".svg", ".ini", ".mako", ".po", ".pot"}


def _tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", *FOLDERS], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the files to expect are git's")
    return [line for line in listed.stdout.splitlines() if Path(line).suffix in SHIPPED_SUFFIXES]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    # Built from a copy: a build/ folder left in the work tree would hide missing entries.
    source = tmp_path_factory.mktemp("source") / "samverkan"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "instance", "*.egg-info", "__pycache__", "tests"))
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "--wheel-dir", str(out), str(source)],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = out.glob("samverkan-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_carries_every_file_the_app_needs(wheel_names):
    missing = [path for path in _tracked_files()
               if f"samverkan/{FOLDERS[path.split('/', 1)[0]]}/{path.split('/', 1)[1]}"
               not in wheel_names]
    assert not missing, "not in the wheel (see [tool.setuptools] in pyproject.toml):\n  " + \
        "\n  ".join(missing)


def test_the_wheel_carries_no_standard_library_shadow(wheel_names):
    # `platform` is a standard-library module: the kernel ships only as samverkan.platform.
    assert not any(name.startswith("platform/") for name in wheel_names)
    assert "samverkan/platform/__init__.py" not in wheel_names
