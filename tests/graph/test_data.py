"""Extra RDF files (`--data`, `rekg load`), loaded once into persistent stores, and the RDF/XML guard."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest
from rekg.api.cli import app as cli
from rekg.api.settings import Settings
from rekg.graph.errors import InvalidParameter, SeedError, UnsupportedFormat
from rekg.graph.io.load import check_rdfxml, data_graph, load_files, open_graph
from rekg.graph.store import OxigraphStore, open_store
from typer.testing import CliRunner

EX = "https://example.org/extra/"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&lol9;</ex:p></rdf:Description>
</rdf:RDF>
"""

FLAT_ENTITIES = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY ex "{EX}">
 <!ENTITY xsd "http://www.w3.org/2001/XMLSchema#">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">
  <rdf:Description rdf:about="&ex;mine"><ex:capacity rdf:datatype="&xsd;integer">12000</ex:capacity></rdf:Description>
</rdf:RDF>
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_every_format_loads_into_its_graph(tmp_path: Path) -> None:
    files = [
        write(tmp_path, "a.ttl", f'@prefix ex: <{EX}> .\nex:a ex:label "é"@fr .\n'),
        write(tmp_path, "b.nt", f'<{EX}b> <{EX}label> "b" .\n'),
        write(tmp_path, "c.nq", f'<{EX}c> <{EX}label> "c" <{EX}graph-c> .\n'),
        write(tmp_path, "d.trig", f'@prefix ex: <{EX}> .\nex:graph-d {{ ex:d ex:label "d" }}\n'),
        write(tmp_path, "e.jsonld", f'{{"@id": "{EX}e", "{EX}label": "e"}}'),
        write(tmp_path, "f.rdf", FLAT_ENTITIES),
    ]
    store = OxigraphStore()
    reports = load_files(store, files)
    graphs = store.graphs()
    assert graphs[data_graph(files[0])] == 1 and graphs[data_graph(files[1])] == 1
    assert graphs[EX + "graph-c"] == 1 and graphs[EX + "graph-d"] == 1
    assert graphs[data_graph(files[4])] == 1 and graphs[data_graph(files[5])] == 1
    assert [r.triples for r in reports] == [1, 1, 1, 1, 1, 1]
    assert bool(store.query(f"ASK {{ <{EX}mine> <{EX}capacity> 12000 }}"))


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    # pyoxigraph 0.5 expands nested internal entities eagerly: parsing this file would take
    # gigabytes and abort the process. The guard refuses it before the parser sees it.
    f = write(tmp_path, "laughs.rdf", BILLION_LAUGHS)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with pytest.raises(SeedError, match="nested entities are refused"):
        load_files(OxigraphStore(), [f])
    assert time.perf_counter() - t0 < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB


def test_external_and_parameter_entities_are_refused(tmp_path: Path) -> None:
    xxe = write(tmp_path, "x.rdf", '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')
    with pytest.raises(SeedError, match="external"):
        check_rdfxml(xxe)
    pe = write(tmp_path, "p.rdf", '<!DOCTYPE r [<!ENTITY % p "x">]><r/>')
    with pytest.raises(SeedError, match="parameter entity"):
        check_rdfxml(pe)
    check_rdfxml(write(tmp_path, "ok.rdf", FLAT_ENTITIES))


def test_bad_data_files(tmp_path: Path) -> None:
    store = OxigraphStore()
    with pytest.raises(InvalidParameter, match="does not exist"):
        load_files(store, [tmp_path / "missing.ttl"])
    with pytest.raises(UnsupportedFormat):
        load_files(store, [write(tmp_path, "table.csv", "a,b\n")])
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    a = write(tmp_path / "one", "same.nt", f'<{EX}a> <{EX}p> "1" .\n')
    b = write(tmp_path / "two", "same.nt", f'<{EX}b> <{EX}p> "2" .\n')
    with pytest.raises(InvalidParameter, match="same name"):
        load_files(store, [a, b])
    with pytest.raises(SeedError, match=r"broken\.ttl"):
        load_files(store, [write(tmp_path, "broken.ttl", "@prefix ex: <x> .\nex:a ex:b .\n")])


def test_unchanged_files_are_not_reloaded_and_changed_ones_replace(tmp_path: Path) -> None:
    f = write(tmp_path, "mines.nt", f'<{EX}a> <{EX}p> "1" .\n<{EX}b> <{EX}p> "2" .\n')
    store = OxigraphStore(tmp_path / "store")
    assert len(load_files(store, [f])) == 1
    assert load_files(store, [f]) == []
    f.write_text(f'<{EX}c> <{EX}p> "3" .\n')
    os.utime(f, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert [r.triples for r in load_files(store, [f])] == [1]
    assert store.graphs()[data_graph(f)] == 1


def test_rekg_load_then_serve_does_not_reload(tmp_path: Path) -> None:
    data = write(tmp_path, "extra.nq", f"<{EX}mine> <{EX}produces> <{EX}dy> <{EX}source> .\n")
    store_dir = tmp_path / "store"
    result = CliRunner().invoke(cli, ["load", str(data), "--store-path", str(store_dir)])
    assert result.exit_code == 0, result.output
    # What `rekg serve --store oxigraph --store-path DIR` does: nothing is loaded again.
    kg = Settings(store="oxigraph", store_path=store_dir, data=[data], validate_seeds=False).open_graph()
    assert kg.version == 0
    assert kg.store.graphs()[EX + "source"] == 1
    assert kg.store.graphs()[kg.ns.entities_graph] > 0
    kg.store.close()
    # --reset empties the store and loads the seeds again (the data file only when named).
    result = CliRunner().invoke(cli, ["load", str(data), "--store-path", str(store_dir), "--reset"])
    assert result.exit_code == 0, result.output
    reopened = open_graph(open_store("oxigraph", store_dir), validate_shapes=False)
    assert reopened.version == 0 and EX + "source" in reopened.store.graphs()


def test_rekg_load_refuses_the_memory_store(tmp_path: Path) -> None:
    data = write(tmp_path, "x.nt", f'<{EX}a> <{EX}p> "1" .\n')
    result = CliRunner().invoke(cli, ["load", str(data), "--store", "memory"])
    assert result.exit_code == 2
    assert "persistent store" in result.output
