"""Write a report so that no half-written file survives a crash or Ctrl-C."""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_report_atomically(text: str, path: Path | str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically: temp file in the same folder, fsync, ``os.replace``.

    Readers see either the previous file or the complete new one. On any
    exception, KeyboardInterrupt included, the temp file is removed and the
    previous file (if any) is left untouched.

    Args:
        text: The rendered report.
        path: Target file; its folder must exist.
        encoding: Text encoding of the file.

    Returns:
        The target path.

    Example:
        >>> write_report_atomically(get_renderer("json").render(report), Path("reports/check.json"))  # doctest: +SKIP
        PosixPath('reports/check.json')
    """
    path = Path(path)
    folder = path.parent
    # Same folder, so os.replace is a rename within one file system (atomic on POSIX and Windows).
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _target_mode(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)
    return path


def _target_mode(path: Path) -> int:
    """Keep an existing file's permissions; new files get the usual 0o666 minus umask, not mkstemp's 0o600."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(folder: Path) -> None:
    """Persist the rename itself (POSIX); not possible, and not needed, on Windows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
