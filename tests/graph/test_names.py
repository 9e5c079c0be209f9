"""Name resolution over the seed graph: labels, aliases, symbols, codes, ids, IRIs, the looser readings
(plural, spacing, script, suffix, typo) and what they echo; and its properties."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rekg.graph import KnowledgeGraph
from rekg.graph.answers.names import (
    LEVELS,
    Resolution,
    loose,
    name_index,
    normalise,
    resolve,
    resolve_name,
    simplified,
    singular,
)
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
    # Two typos in a short name: too far to resolve, close enough to suggest.
    with pytest.raises(NodeNotFound) as info:
        resolve(kg, "dysprsum", types=MATERIAL, what="material")
    assert info.value.suggestions[0]["id"] == kg.iri("dysprosium")
    assert "dysprosium" in info.value.detail and "material" in info.value.detail


# ---------------------------------------------------------------------------------------------
# Looser readings: each resolves, and says how it was read
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "local", "types", "how", "matched"),
    [
        # diacritics
        ("Dysprósium", "dysprosium", MATERIAL, "diacritics", "dysprosium"),
        ("Canadá", "canada", COUNTRY, "diacritics", "Canada"),
        # punctuation and hyphens
        ("U.S", "united-states", COUNTRY, "punctuation", "US"),
        ("super hard materials", "superhard-materials", MATERIAL, "punctuation", "super-hard materials"),
        ("lithium ion batteries", "lithium-ion-batteries", MATERIAL, "punctuation", "lithium-ion batteries"),
        ("US-China talks in Geneva", "geneva-talks-2025", None, "punctuation", "US–China talks in Geneva"),
        # spacing
        ("rareearth metals", "rare-earth-metals", MATERIAL, "spacing", "rare-earth metals"),
        ("Lynas RareEarths", "lynas", None, "spacing", "Lynas Rare Earths"),
        ("唐纳德 特朗普", "donald-trump", None, "punctuation", "唐纳德·特朗普"),
        ("唐纳德特朗普", "donald-trump", None, "spacing", "唐纳德·特朗普"),
        # traditional Chinese
        ("鏑", "dysprosium", MATERIAL, "script", "镝"),
        ("中國", "china", COUNTRY, "script", "中国"),
        ("萊納斯稀土", "lynas", None, "script", "莱纳斯稀土"),
        ("鐠", "praseodymium", MATERIAL, "script", "镨"),
        # singular for plural and back
        ("rare earth", "rare-earths", MATERIAL, "plural", "rare earths"),
        ("rare-earth metal", "rare-earth-metals", MATERIAL, "plural", "rare-earth metals"),
        ("lithium-ion battery", "lithium-ion-batteries", MATERIAL, "plural", "lithium-ion batteries"),
        ("permanent magnet", "permanent-magnets", MATERIAL, "plural", "permanent magnets"),
        ("semiconductor design softwares", "chip-design-software", None, "plural", "semiconductor design software"),
        # corporate suffixes
        ("Lynas Corp", "lynas", None, "suffix", "Lynas"),
        ("Lynas Rare Earths Limited", "lynas", None, "suffix", "Lynas Rare Earths"),
        ("MP Materials Inc.", "mp-materials", None, "suffix", "MP Materials"),
        ("MP Materials Corporation", "mp-materials", None, "suffix", "MP Materials"),
        # one typo, and only one entity that close
        ("dysprosum", "dysprosium", MATERIAL, "fuzzy", "dysprosium"),
        ("dysprosim", "dysprosium", None, "fuzzy", "dysprosium"),
        ("Untied States", "united-states", COUNTRY, "fuzzy", "United States"),
        ("Lynass", "lynas", None, "fuzzy", "Lynas"),
        ("Malaysai", "malaysia", COUNTRY, "fuzzy", "Malaysia"),
        ("gallum", "gallium", MATERIAL, "fuzzy", "gallium"),
    ],
)
def test_looser_readings_resolve_and_say_how(
    kg: KnowledgeGraph, typed: str, local: str, types: set | None, how: str, matched: str
) -> None:
    iri, echo = resolve_name(kg, typed, types=types, what="material")
    assert iri == kg.iri(local)
    assert echo is not None
    assert (echo.how, echo.matched, echo.typed, echo.id) == (how, matched, typed, iri)
    assert echo.label == name_index(kg).entries[iri].label
    assert resolve(kg, typed, types=types) == iri
    assert (echo.score is not None) == (how == "fuzzy")


@pytest.mark.parametrize(
    "typed", ["Dysprosium", "DY", "  dy ", "镝", "id:dysprosium", "https://w3id.org/rekg/id/dysprosium", "DYSPROSIUM"]
)
def test_exact_names_are_not_echoed(kg: KnowledgeGraph, typed: str) -> None:
    assert resolve_name(kg, typed) == (kg.iri("dysprosium"), None)


def test_the_echo_is_a_result_with_its_fields(kg: KnowledgeGraph) -> None:
    _, echo = resolve_name(kg, "鏑", what="material")
    assert isinstance(echo, Resolution)
    assert echo.to_dict() == {
        "what": "material",
        "typed": "鏑",
        "id": kg.iri("dysprosium"),
        "label": "dysprosium",
        "matched": "镝",
        "how": "script",
        "score": None,
    }


@pytest.mark.parametrize(
    ("typed", "types"),
    [
        ("Austria", COUNTRY),  # two edits from Australia in a 7-letter name: another country, not a typo
        ("Chi", None),  # too short to guess
        ("轻稀士", None),  # one character off in Chinese is another word
        ("Narnia", COUNTRY),
        ("unobtainium", MATERIAL),
        ("Lynas", COUNTRY),  # the name exists, not as a country
    ],
)
def test_too_far_or_wrong_kind_is_not_found(kg: KnowledgeGraph, typed: str, types: set | None) -> None:
    with pytest.raises(NodeNotFound):
        resolve_name(kg, typed, types=types)


def test_a_typo_equally_close_to_two_names_is_not_guessed(kg: KnowledgeGraph) -> None:
    # "xerbium" is one edit from erbium and one from terbium: both head the suggestions, in label order.
    with pytest.raises(NodeNotFound) as info:
        resolve(kg, "xerbium", types=MATERIAL, what="material")
    assert [s["id"] for s in info.value.suggestions[:2]] == [kg.iri("erbium"), kg.iri("terbium")]


@pytest.mark.parametrize(
    ("typed", "locals_"),
    [
        ("MOFCOM Announcement 2025 No. 18", {"mofcom-2025-18", "source/mofcom-2025-04-04"}),
        ("material", None),
    ],
)
def test_ambiguity_is_an_error_listing_each_candidate_with_its_id(
    kg: KnowledgeGraph, typed: str, locals_: set[str] | None
) -> None:
    with pytest.raises(AmbiguousName) as info:
        resolve_name(kg, typed)
    suggestions = info.value.extra["suggestions"]
    assert len(suggestions) >= 2 and suggestions == info.value.extra["candidates"]
    assert all(set(s) == {"id", "label"} and s["id"] in name_index(kg).entries for s in suggestions)
    if locals_:
        ids = {s["id"] for s in suggestions}
        assert kg.iri("mofcom-2025-18") in ids and any(i.endswith("/source/mofcom-2025-04-04") for i in ids)


def test_ambiguity_survives_the_looser_readings(kg: KnowledgeGraph) -> None:
    # The same title in another case and without its punctuation is still two entities.
    with pytest.raises(AmbiguousName):
        resolve(kg, "mofcom announcement 2025 no 18")


def test_not_found_suggestions_carry_ids(kg: KnowledgeGraph) -> None:
    with pytest.raises(NodeNotFound) as info:
        resolve(kg, "Lynas Crop Ltd")
    assert info.value.suggestions[0] == {"id": kg.iri("lynas"), "label": "Lynas Rare Earths"}


def test_types_pick_the_level_that_has_the_wanted_kind(kg: KnowledgeGraph) -> None:
    # "Lynas Malaysia" names a facility exactly; as a country nothing is called that.
    assert resolve(kg, "Lynas Malaysia") == kg.iri("lynas-malaysia")
    with pytest.raises(NodeNotFound):
        resolve(kg, "Lynas Malaysia", types=COUNTRY)


def test_folding_helpers() -> None:
    assert simplified("中國稀土") == "中国稀土" and simplified("rare earths") == "rare earths"
    assert [singular(w) for w in ("magnets", "batteries", "status", "ree", "rees")] == [
        "magnet",
        "battery",
        "status",
        "ree",
        "ree",
    ]
    assert LEVELS[0] == "exact" and LEVELS[-1] == "suffix"


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


def _snapshot(index) -> tuple:
    entries = {iri: (e.label, sorted(e.names), sorted(e.types)) for iri, e in index.entries.items()}
    return entries, index.levels, index.fuzzy


def test_an_index_updated_after_writes_equals_one_built_afresh() -> None:
    # After each write the index is updated by the graphs that changed; a second KnowledgeGraph
    # over the same store (no cache) builds it from every graph. They must agree entry by entry and
    # slot by slot, through an alias added by another source, a new type and a deletion.
    import pyoxigraph as ox
    from rekg.graph import open_graph

    kg = open_graph(validate_shapes=False)
    base, label, alt = (
        kg.ns.id,
        "http://www.w3.org/2000/01/rdf-schema#label",
        "http://www.w3.org/2004/02/skos/core#altLabel",
    )
    kind = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

    def q(s: str, p: str, o: ox.NamedNode | ox.Literal) -> ox.Quad:
        return ox.Quad(ox.NamedNode(str(base[s])), ox.NamedNode(p), o)

    writes = [
        ("a", [q("alpha-mine", label, ox.Literal("Alpha Mine", language="en")), q("beta", label, ox.Literal("Beta"))]),
        ("b", [q("alpha-mine", alt, ox.Literal("Alpha Pit")), q("beta", kind, ox.NamedNode(str(REKG.Facility)))]),
        ("c", [q("gamma", label, ox.Literal("Lynas"))]),  # a second "Lynas": ambiguous from now on
    ]
    name_index(kg)
    for source, quads in writes:
        kg.store.replace_graph(str(kg.ns.source[source]), quads)
        assert _snapshot(name_index(kg)) == _snapshot(name_index(KnowledgeGraph(kg.store)))
    assert name_index(kg).lookup("alpha pit") == [str(base["alpha-mine"])]
    assert str(REKG.Facility) in name_index(kg).entries[str(base["beta"])].types
    for source in ("a", "c"):
        kg.store.remove_graph(str(kg.ns.source[source]))
        assert _snapshot(name_index(kg)) == _snapshot(name_index(KnowledgeGraph(kg.store)))
    alpha = name_index(kg).entries[str(base["alpha-mine"])]
    assert alpha.label == "alpha-mine" and "alpha mine" not in alpha.names  # only its alias and id are left
    assert name_index(kg).lookup("lynas") == [kg.iri("lynas")]
