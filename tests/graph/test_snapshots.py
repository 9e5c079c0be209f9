"""Checkpoints that query workers read instead of the files the server writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
from rekg.graph.errors import StoreUnavailable
from rekg.graph.store.snapshots import LOCK_FILE, Snapshots, open_newest

EX = "https://example.org/"


def _quad(i: int) -> ox.Quad:
    return ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i)))


@pytest.fixture
def live(tmp_path: Path) -> ox.Store:
    return ox.Store(str(tmp_path / "live"))


def test_a_checkpoint_keeps_the_version_it_was_taken_at(live: ox.Store, tmp_path: Path) -> None:
    snaps = Snapshots(tmp_path / "snaps")
    live.add(_quad(1))
    snaps.take(live)
    reader = open_newest(snaps.root)
    live.add(_quad(2))
    live.flush()
    assert len(reader.store) == 1  # the live store moved on; the checkpoint did not
    snaps.take(live)
    assert len(open_newest(snaps.root).store) == 2


def test_a_checkpoint_stays_while_a_process_reads_it_and_goes_once_that_process_is_killed(
    live: ox.Store, tmp_path: Path
) -> None:
    snaps = Snapshots(tmp_path / "snaps")
    live.add(_quad(1))
    first = snaps.take(live)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from rekg.graph.store.snapshots import open_newest; "
            "s = open_newest(Path(sys.argv[1])); print(len(s.store), flush=True); time.sleep(60)",
            str(snaps.root),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "1"
        live.add(_quad(2))
        snaps.take(live)  # prunes, but the reader holds the first
        assert first.exists()
    finally:
        os.kill(reader.pid, signal.SIGKILL)  # no chance to clean up: the kernel drops its lock
        reader.wait()
    assert snaps.prune() == 1 and not first.exists()
    assert len(snaps.complete()) == 1


def test_half_made_checkpoints_are_cleared_and_an_empty_directory_has_none(tmp_path: Path) -> None:
    root = tmp_path / "snaps"
    (root / "7.partial").mkdir(parents=True)
    snaps = Snapshots(root)
    assert not (root / "7.partial").exists() and snaps.complete() == []
    with pytest.raises(StoreUnavailable, match="no checkpoint"):
        open_newest(root)


def test_a_checkpoint_that_cannot_be_written_is_an_error_that_says_the_write_was_stored(
    live: ox.Store, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(StoreUnavailable, match="the write was stored"):
        Snapshots(blocker / "snaps").take(live)


def test_readers_opening_while_checkpoints_are_taken_and_pruned_always_get_a_whole_newer_one(
    live: ox.Store, tmp_path: Path
) -> None:
    snaps = Snapshots(tmp_path / "snaps")
    live.add(_quad(0))
    snaps.take(live)
    errors: list[BaseException] = []

    def write() -> None:
        for i in range(1, 120):
            live.add(_quad(i))
            snaps.take(live)

    writer = threading.Thread(target=write)
    writer.start()
    counts: list[int] = []
    try:
        while writer.is_alive():
            try:
                snap = open_newest(snaps.root)
            except StoreUnavailable as exc:  # pragma: no cover - the failure this test looks for
                errors.append(exc)
                break
            counts.append(len(snap.store))
            assert (snap.path / LOCK_FILE).exists()
            del snap.store
            snap.close()
    finally:
        writer.join()
    assert errors == []
    assert counts == sorted(counts) and len(set(counts)) > 2
    snaps.prune()  # what the last take could not prune, for a reader held it then
    assert len(snaps.complete()) == 1
