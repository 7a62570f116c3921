"""Data at rest is readable by its owner only: the data directory and every folder under it
0700, every file 0600 (the catalog and its -wal/-shm, the originals, the index, users and
sessions), whatever the umask the process was started with (022 makes files world-readable).

``secure_data_dir`` is called where a process starts to use a data directory
(``open_services``) and by the commands that write outside it (backup): it sets this
process's umask to 077, so what it creates from then on is owner-only, and corrects what an
earlier run (or an older docqa) left readable to others."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

OWNER_ONLY_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600

log = logging.getLogger(__name__)


def owner_only_umask() -> None:
    """From now on this process creates files 0600 and folders 0700."""
    os.umask(OWNER_ONLY_UMASK)


def secure_data_dir(path: Path, *, everything: bool = False) -> None:
    """Create ``path`` if needed and make it and everything under it owner-only.

    Every docqa process creates with umask 077, so once the directory itself is owner-only
    nothing under it needs looking at: the walk (thousands of originals and index files at
    every start) runs only for a directory left open by an older docqa or by hand, or with
    ``everything`` (a restore, whose archive members keep the modes they were packed with)."""
    owner_only_umask()
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    was_open = bool(stat.S_IMODE(path.lstat().st_mode) & ~DIR_MODE)
    _restrict(path, DIR_MODE)
    if not (was_open or everything):
        return
    for root, dirs, files in os.walk(path):
        for name in dirs:
            _restrict(Path(root, name), DIR_MODE)
        for name in files:
            _restrict(Path(root, name), FILE_MODE)


def secure_file(path: Path) -> None:
    """One file owner-only (a backup archive written outside the data directory)."""
    _restrict(path, FILE_MODE)


def _restrict(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):  # never follow a link out of the data directory
            return
        if stat.S_IMODE(st.st_mode) & ~mode:
            os.chmod(path, stat.S_IMODE(st.st_mode) & mode)
    except FileNotFoundError:  # removed meanwhile (a -shm)
        return
    except OSError as e:  # not ours, or a read-only mount: say so, do not stop
        log.warning("cannot make %s owner-only (%s)", path, e.strerror or e)
