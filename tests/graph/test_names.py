"""Name resolution over the seed graph: labels, aliases, symbols, codes, ids, IRIs; and its properties."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rekg.graph import KnowledgeGraph
from rekg.graph.answers.names import loose, name_index, normalise, resolve
from rekg.graph.errors import AmbiguousName, InvalidParameter, NodeNotFound
from rekg.ontology import REKG

COUNTRY = {str(REKG.Country)}
MATERIAL = {str(REKG.Material), str(REKG.MaterialGroup)}


@pytest.mark.parametrize(
    ("name", "local", "types"),
    [
        ("Dy", "dysprosium", MATERIAL),
        ("DY", "dysprosium", MATERIAL),
        ("dysprosium", "dysprosium", MATERIAL),
        ("镝", "dysprosium", MATERIAL),
        ("CN", "china", COUNTRY),
        ("cn", "china", COUNTRY),
        ("People's Republic of China", "china", COUNTRY),
        ("US", "united-states", COUNTRY),
        ("U.S.", "united-states", COUNTRY),
        ("MP Materials Corp.", "mp-materials", None),
        ("mp materials corp", "mp-materials", None),
        ("Lynas", "lynas", None),
        ("NdPr oxide", "ndpr-oxide", MATERIAL),
        ("permanent magnets", "permanent-magnets", MATERIAL),
        ("id:lynas", "lynas", None),
        ("id:LYNAS", "lynas", None),
    ],
)
def test_resolves_labels_aliases_symbols_codes(kg: KnowledgeGraph, name: str, local: str, types: set | None) -> None:
    assert resolve(kg, name, types=types) == kg.iri(local)


def test_full_iri_resolves_to_itself(kg: KnowledgeGraph) -> None:
    assert resolve(kg, kg.iri("malaysia"), types=COUNTRY) == kg.iri("malaysia")


def test_type_filter_rejects_other_kinds(kg: KnowledgeGraph) -> None:
    # Lynas is a company, not a country: the name exists but not with the wanted type.
    with pytest.raises(NodeNotFound):
        resolve(kg, "Lynas", types=COUNTRY, what="country")


def test_unknown_name_lists_close_matches(kg: KnowledgeGraph) -> None:
    with pytest.raises(NodeNotFound) as info:
        resolve(kg, "dysprosim", types=MATERIAL, what="material")
    assert info.value.suggestions[0]["id"] == kg.iri("dysprosium")
    assert "dysprosium" in info.value.detail and "material" in info.value.detail


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_blank_name_is_invalid(kg: KnowledgeGraph, blank: str) -> None:
    with pytest.raises(InvalidParameter):
        resolve(kg, blank)


def test_punctuation_is_ignored_only_as_a_fallback() -> None:
    assert loose("U.S.") == loose("US") == "us"
    assert loose("No. 61") == "no 61"
    assert normalise("U.S.") != normalise("US")


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


def _resolvable_names(kg: KnowledgeGraph) -> list[tuple[str, str]]:
    """(name, iri) for every label or alias that resolves, without ambiguity, to one entity.

    IRIs are left out: they are case-sensitive, so another case is another IRI.
    """
    out = []
    for entry in name_index(kg).entries.values():
        for name in sorted(n for n in entry.names if "://" not in n):
            try:
                got = resolve(kg, name)
            except (AmbiguousName, NodeNotFound):
                continue
            out.append((name, got))
            break
    return out


_SPACES = st.text(alphabet=" \t\n\u00a0\u3000", min_size=0, max_size=3)


@st.composite
def case_and_space_variant(draw: st.DrawFn, name: str) -> str:
    """``name`` with each letter's case flipped at random and its spacing changed."""
    chars = [c.upper() if draw(st.booleans()) else c.lower() for c in name]
    words = "".join(chars).split()
    glue = [draw(st.text(alphabet=" \t\u00a0\u3000", min_size=1, max_size=3)) for _ in words[1:]]
    out = draw(_SPACES)
    for i, w in enumerate(words):
        out += w + (glue[i] if i < len(glue) else "")
    return out + draw(_SPACES)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_case_or_spacing_of_a_name_resolves_to_the_same_iri(kg: KnowledgeGraph, data: st.DataObject) -> None:
    names = _resolvable_names_cached(kg)
    name, iri = data.draw(st.sampled_from(names))
    variant = data.draw(case_and_space_variant(name))
    assert resolve(kg, variant) == iri


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=40))
def test_any_text_resolves_or_fails_cleanly(kg: KnowledgeGraph, text: str) -> None:
    try:
        iri = resolve(kg, text)
    except (NodeNotFound, AmbiguousName, InvalidParameter):
        return
    assert iri in name_index(kg).entries


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_entity_resolves_from_its_iri(kg: KnowledgeGraph, data: st.DataObject) -> None:
    iri = data.draw(st.sampled_from(sorted(name_index(kg).entries)))
    assert resolve(kg, iri) == iri


_CACHE: dict[int, list[tuple[str, str]]] = {}


def _resolvable_names_cached(kg: KnowledgeGraph) -> list[tuple[str, str]]:
    if id(kg) not in _CACHE:
        _CACHE[id(kg)] = _resolvable_names(kg)
        assert len(_CACHE[id(kg)]) > 50
    return _CACHE[id(kg)]
