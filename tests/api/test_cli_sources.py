"""`rekg ingest`, `rekg sources` and `rekg retract` against a persistent store on disk."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.api.test_durability import source_doc
from tests.serverutil import REKG


def rekg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*REKG, *args], capture_output=True, text=True, timeout=120, check=False)


def test_ingest_list_retract(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    doc = tmp_path / "note.trig"
    doc.write_bytes(source_doc(7, facts=3))

    out = rekg("ingest", str(doc), "--store-path", store)
    assert out.returncode == 0, out.stderr
    assert "added source stream-0007 (17 triples)" in out.stdout

    again = rekg("ingest", str(doc), "--store-path", store)
    assert again.returncode == 1 and "already exists" in again.stderr

    listed = rekg("sources", "--store-path", store)
    assert "stream-0007" in listed.stdout and "caixin-2025-11" in listed.stdout

    gone = rekg("retract", "stream-0007", "--store-path", store)
    assert gone.returncode == 0 and "removed source stream-0007 (17 triples)" in gone.stdout
    assert "stream-0007" not in rekg("sources", "--store-path", store).stdout


def test_ingest_rejects_invalid_file_whole(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    doc = tmp_path / "bad.trig"
    doc.write_bytes(source_doc(8, facts=2).replace(b"rekg:country id:malaysia", b'rekg:country "Malaysia"', 1))
    out = rekg("ingest", str(doc), "--store-path", store)
    assert out.returncode == 1
    assert "bad.trig" in out.stderr and "rekg:country" in out.stderr and "stream-0008-place-0" in out.stderr
    assert "stream-0008" not in rekg("sources", "--store-path", store).stdout


def test_ingest_into_memory_store_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "note.trig"
    doc.write_bytes(source_doc(9, facts=1))
    out = rekg("ingest", str(doc))
    assert out.returncode == 2 and "--store-path" in out.stdout
