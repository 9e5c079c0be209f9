"""Hypothesis properties of the Accept parser and the negotiation table."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rekg.api.negotiation import negotiate, offers_for, parse_accept
from rekg.graph.formats import Format

RESULT_OFFERS = offers_for("results")
GRAPH_OFFERS = offers_for("graph")
ENTITY_OFFERS = offers_for("entity")
# text/plain is N-Triples' legacy media type: read from remote servers, never offered.
OFFERED = {m for offer in (*RESULT_OFFERS, *GRAPH_OFFERS, *ENTITY_OFFERS) for m in offer.accepts}
MEDIA = sorted(OFFERED | {"text/plain", "image/png"})
Q = st.sampled_from(["", ";q=1", ";q=0.9", ";q=0.5", ";q=0.1", ";q=0", ";q=0.001"])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_header_text_parses_to_valid_ranges(header: str) -> None:
    for r in parse_accept(header):
        assert 0.0 <= r.q <= 1.0
        assert r.type and r.subtype and "/" not in r.type + r.subtype


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(MEDIA), Q), min_size=1, max_size=6))
def test_the_chosen_offer_is_never_refused_and_has_the_best_q(items: list[tuple[str, str]]) -> None:
    header = ", ".join(m + q for m, q in items)
    q_of: dict[str, float] = {}
    for m, q in items:
        # With duplicates the most recent statement of the same range is not special: take the max,
        # which is what "the most specific, then highest q" gives for identical ranges.
        q_of[m] = max(q_of.get(m, 0.0), float(q.split("=")[1]) if q else 1.0)
    for offers in (RESULT_OFFERS, GRAPH_OFFERS, ENTITY_OFFERS):
        chosen = negotiate(header, offers)
        # An offer whose own media type the client refuses (q=0) is not acceptable through an alias:
        # the response would carry the refused Content-Type.
        acceptable = {
            o.key: 0.0 if q_of.get(o.accepts[0], 1.0) == 0 else max(q_of.get(m, 0.0) for m in o.accepts) for o in offers
        }
        if chosen is None:
            assert all(q == 0 for q in acceptable.values())
        else:
            assert acceptable[chosen.key] > 0
            assert acceptable[chosen.key] == max(acceptable.values())


@given(st.sampled_from([*RESULT_OFFERS]))
def test_each_result_offer_is_chosen_by_its_own_media_type(offer: Format) -> None:
    assert negotiate(offer.accepts[0], RESULT_OFFERS) == offer
