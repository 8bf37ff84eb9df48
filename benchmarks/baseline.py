"""The old path for the benchmarks: the checker as it was at a given commit, exported from git.

The benchmarks run the baseline and the working tree in the same run, each in its own process (two
versions of one package cannot share a process), and report the ratio. The default baseline is the
commit before PDFium and the speed work of issue 16; `--baseline REV` picks another.
"""
from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = "ef09d22"  # main before issue 16: pypdf, ConText and JSON as they were
# the checker's code and data; the letters and cases read come from the working tree, the same for both
PARTS = ("checker", "rules")
# runs the command line of the tree given first, whatever checker is installed
# runs the command line of the version in argv[1]: an editable install's finder (which would hand it this
# tree) is dropped, and the entry point is found under either layout (layered package or flat)
LAUNCHER = ("import sys, importlib; "
            "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in str(getattr(f, '__module__', '')).lower()]; "
            "sys.path.insert(0, sys.argv.pop(1)); "
            "exec('try:\\n from checker.interfaces.cli import main\\nexcept ModuleNotFoundError:\\n from checker.cli import main'); "
            "sys.exit(main())")


def export(rev: str) -> Path:
    """The baseline's code in a new temporary folder (the caller removes it)."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev, *PARTS],
                                 capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"baseline {rev}: cannot export it from git ({exc}); pass --baseline REV") from None
    folder = Path(tempfile.mkdtemp(prefix=f"checker-baseline-{rev[:12]}-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder
