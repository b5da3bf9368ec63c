"""Writing a file or a directory whole or not at all: into a temporary sibling, then renamed over it
(a crash or a refusal leaves the old one as it was)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _default_mode() -> int:
    """The mode a new file gets here (0666 less the umask): mkstemp's own 0600 would keep a
    release, a dump or an export from everyone but its writer."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_file_atomically(path: Path, data: bytes) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), _default_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def swap_directory(target: Path) -> Iterator[Path]:
    """A path beside ``target``, not made yet, to build the new directory at; when the block ends
    without an error, the new directory takes ``target``'s place and the old one is removed after.
    On an error, ``target`` is as it was and nothing of the attempt is left behind; should even
    putting the old one back fail, it is kept beside, in ``.NAME.old-…``, never deleted."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    new = staging / target.name
    retired: Path | None = None
    try:
        yield new
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent)) / target.name
            os.replace(target, retired)
        try:
            os.replace(new, target)
        except BaseException:
            if retired is not None and not target.exists():
                os.replace(retired, target)
                shutil.rmtree(retired.parent, ignore_errors=True)
                retired = None
            raise
        if retired is not None:
            shutil.rmtree(retired.parent, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
