"""Frozen copies of a store on disk, one per written version, for query workers to read.

Oxigraph leaves reading a store's files while another handle writes them undefined, and RocksDB
rewrites its files in the background (memtable flushes, compactions) at any time, not only while
a write is under way. Pausing the workers during writes therefore did not make reads safe: a
worker forked just after a write could open the files during a compaction, and one did allocate
a gigabyte counting 1,600 quads. So workers never open the live files:

* after each write the serving process takes a RocksDB checkpoint (:meth:`pyoxigraph.Store.backup`:
  SST files hard-linked, the manifest copied; about 2 ms at 1M quads, and no extra disk until
  the live store compacts the linked files away) into ``<store>/rekg-snapshots/<n>``;
* a worker opens the newest complete checkpoint read-only. Its files never change;
* a worker holds a shared :func:`fcntl.flock` on its checkpoint's lock file for as long as it
  lives, and the kernel drops it when the worker dies, even by ``SIGKILL``. The server deletes
  an older checkpoint only once it can take that lock exclusively, so no reader loses its files.

Examples
--------
>>> import tempfile, pyoxigraph as ox
>>> root = Path(tempfile.mkdtemp())
>>> live = ox.Store(str(root / "live"))
>>> live.add(ox.Quad(ox.NamedNode("https://e.org/s"), ox.NamedNode("https://e.org/p"), ox.Literal("1")))
>>> snaps = Snapshots(root / "live" / SNAPSHOTS_DIR)
>>> first = snaps.take(live)
>>> reader = open_newest(snaps.root)  # in a worker
>>> len(reader.store)
1
>>> second = snaps.take(live)
>>> snaps.prune()  # the first is still read (the lock is held), so it stays
0
>>> reader.close()
>>> snaps.prune()
1
>>> [p.name for p in snaps.complete()] == [second.name]
True
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rekg.graph.errors import StoreUnavailable

__all__ = ["LOCK_FILE", "SNAPSHOTS_DIR", "Snapshot", "Snapshots", "open_newest"]

#: Under the store's directory; RocksDB ignores what it did not write.
SNAPSHOTS_DIR = "rekg-snapshots"
#: In each checkpoint: readers hold a shared lock on it, the pruner an exclusive one.
LOCK_FILE = "rekg-readers.lock"
_PARTIAL = ".partial"
_OPEN_ATTEMPTS = 50


@dataclass
class Snapshot:
    """A checkpoint opened read-only, and the lock that keeps it on disk while it is read."""

    path: Path
    store: ox.Store
    lock_fd: int

    def close(self) -> None:
        """Release the lock (the checkpoint may then be pruned)."""
        with contextlib.suppress(OSError):
            os.close(self.lock_fd)


class Snapshots:
    """The checkpoints of one store, numbered in the order they were taken.

    Parameters
    ----------
    root : Path
        Their directory (made by the first :meth:`take`); conventionally ``<store>/rekg-snapshots``.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        for partial in root.glob(f"*{_PARTIAL}"):  # a checkpoint a crash left half made
            shutil.rmtree(partial, ignore_errors=True)

    def complete(self) -> list[Path]:
        """Complete checkpoints, oldest first."""
        return _complete(self.root)

    def take(self, store: ox.Store) -> Path:
        """Checkpoint ``store`` as it is now; new workers read this one. Older ones are pruned.

        Raises
        ------
        StoreUnavailable
            The checkpoint could not be written (a full disk, a read-only directory).
        """
        done = self.complete()
        number = int(done[-1].name) + 1 if done else 1
        partial = self.root / f"{number}{_PARTIAL}"
        final = self.root / str(number)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            store.backup(str(partial))
            (partial / LOCK_FILE).touch()
            os.rename(partial, final)  # readers only ever see whole checkpoints
        except OSError as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise StoreUnavailable(
                f"the write was stored, but the copy that query workers read could not be made in {self.root}: {exc}"
            ) from exc
        self.prune()
        return final

    def prune(self) -> int:
        """Delete every checkpoint but the newest that no worker reads; how many were deleted."""
        deleted = 0
        for path in self.complete()[:-1]:
            try:
                fd = os.open(path / LOCK_FILE, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a worker still reads it
                os.close(fd)
                continue
            try:  # the lock file goes first: a reader that opened it meanwhile sees it unlinked
                (path / LOCK_FILE).unlink()
                shutil.rmtree(path, ignore_errors=True)
                deleted += 1
            finally:
                os.close(fd)
        return deleted


def open_newest(root: Path) -> Snapshot:
    """Open the newest checkpoint in ``root`` read-only and hold it (in a worker).

    Raises
    ------
    StoreUnavailable
        There is no checkpoint, or none could be opened.
    """
    for _ in range(_OPEN_ATTEMPTS):
        done = _complete(root)
        if not done:
            break
        path = done[-1]
        try:
            fd = os.open(path / LOCK_FILE, os.O_RDONLY)
        except FileNotFoundError:  # pruned between listing and opening: a newer one exists
            continue
        fcntl.flock(fd, fcntl.LOCK_SH)
        if os.fstat(fd).st_nlink == 0:  # pruned while we waited for the lock
            os.close(fd)
            continue
        try:
            return Snapshot(path, ox.Store.read_only(str(path)), fd)
        except OSError as exc:
            os.close(fd)
            raise StoreUnavailable(f"cannot open the store's checkpoint {path}: {exc}") from exc
    raise StoreUnavailable(f"no checkpoint of the store to read in {root}")


def _complete(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
