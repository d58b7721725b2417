# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.
"""The ament linters that apply to a Python + messages package, as pytest tests.

ament_flake8 and ament_pep257 come from PyPI wheels. ament_copyright and
ament_xmllint have no wheels: where a ROS install provides them we run them,
otherwise an equivalent check runs here (the licence header, and package.xml
well-formed and valid for catkin_pkg's format-3 parser).
"""
from pathlib import Path
import shutil
import subprocess

import pytest

ROOT = Path(__file__).resolve().parent.parent
PY_DIRS = ['fast_lewm_ros', 'test', 'launch', 'setup.py']
HEADER = '# Copyright 2026 fast_lewm_ros contributors. Licensed under the Apache License 2.0.'


def _python_files():
    for entry in PY_DIRS:
        path = ROOT / entry
        yield from ([path] if path.is_file() else sorted(path.rglob('*.py')))


@pytest.mark.linter
def test_flake8():
    main_with_errors = pytest.importorskip('ament_flake8.main').main_with_errors
    rc, errors = main_with_errors(argv=[str(ROOT / d) for d in PY_DIRS])
    assert rc == 0, f'flake8 found {len(errors)} problem(s):\n' + '\n'.join(errors)


@pytest.mark.linter
def test_pep257():
    main = pytest.importorskip('ament_pep257.main').main
    # ament's convention, except that a multi-line docstring's summary may sit
    # on its first line (D213 off; D212 and D213 are mutually exclusive styles
    # and PEP 257 allows both).
    rc = main(argv=['--add-ignore', 'D213', '--']
              + [str(ROOT / d) for d in PY_DIRS if d != 'setup.py'])
    assert rc == 0, 'pep257 found docstring problems (see output above)'


@pytest.mark.linter
def test_copyright():
    try:
        from ament_copyright.main import main
    except ImportError:
        missing = [str(p.relative_to(ROOT)) for p in _python_files()
                   if p.name != 'setup.py' and HEADER not in p.read_text().splitlines()[:3]]
        assert not missing, f'files without the Apache-2.0 header line {HEADER!r}: {missing}'
    else:
        assert main(argv=[str(ROOT / d) for d in PY_DIRS]) == 0


@pytest.mark.linter
def test_xmllint():
    try:
        from ament_xmllint.main import main
    except ImportError:
        if shutil.which('xmllint'):
            done = subprocess.run(['xmllint', '--noout', str(ROOT / 'package.xml')],
                                  capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
        from catkin_pkg.package import parse_package
        package = parse_package(str(ROOT / 'package.xml'))
        package.validate()
        assert package.package_format == 3
    else:
        assert main(argv=[str(ROOT / 'package.xml')]) == 0
