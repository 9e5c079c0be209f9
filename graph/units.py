"""Units of figures: the symbol answers show, and the one rule for turning shares into fractions.

Figures carry a unit IRI (``rekg:unit``): a QUDT unit such as ``unit:PERCENT`` or one of the few
units the ontology defines in QUDT's terms (``rekg:TONNE-REO``). The ontology gives each unit a
``qudt:symbol``; answers show that symbol beside the value. SHACL checks that figures of one
indicator are in the unit the indicator declares (``rekg:unitOfMeasure``; ``rekgsh:UnitFitsIndicator``), and the
analyses that add or compare figures check it again (data read from a remote store may not have
been validated) rather than mix units silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from rekg.graph.kg import KnowledgeGraph

__all__ = ["FRACTION_UNITS", "PERCENT", "as_fraction", "common_unit", "symbol", "symbols"]

QUDT_UNIT = "http://qudt.org/vocab/unit/"
#: A percentage: divide by 100 for a fraction.
PERCENT = QUDT_UNIT + "PERCENT"
#: Units whose values are shares, with the factor that turns a value into a fraction of 1.
FRACTION_UNITS: dict[str, float] = {PERCENT: 0.01, QUDT_UNIT + "FRACTION": 1.0, QUDT_UNIT + "UNITLESS": 1.0}

_SYMBOLS = """
SELECT ?unit ?symbol WHERE { ?unit qudt:symbol ?symbol }
"""


def symbols(kg: KnowledgeGraph) -> dict[str, str]:
    """Every unit IRI the graph describes, with its ``qudt:symbol`` (read once per graph version)."""

    def build() -> dict[str, str]:
        return {r["unit"]: str(r["symbol"]) for r in kg.select(_SYMBOLS)}

    return kg.cached("units.symbols", build)


def symbol(kg: KnowledgeGraph, unit: str | None) -> str | None:
    """The symbol to show for ``unit``: its ``qudt:symbol``, else the IRI's last segment.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> symbol(kg, PERCENT), symbol(kg, "https://w3id.org/rekg/ontology#TONNE-REO"), symbol(kg, None)
    ('%', 't REO', None)
    """
    if unit is None:
        return None
    return symbols(kg).get(unit) or unit.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def as_fraction(value: float, unit: str | None) -> float | None:
    """``value`` as a fraction of 1 if ``unit`` is a share unit; ``None`` if it is not one.

    Examples
    --------
    >>> as_fraction(12.5, PERCENT), as_fraction(0.7, QUDT_UNIT + "FRACTION"), as_fraction(70, None)
    (0.125, 0.7, None)
    """
    factor = FRACTION_UNITS.get(unit or "")
    return None if factor is None else value * factor


def common_unit(units: Iterable[str | None]) -> tuple[bool, str | None]:
    """Whether all ``units`` are the same, and that unit (``None`` when there are none or they differ).

    Examples
    --------
    >>> common_unit([PERCENT, PERCENT]), common_unit([PERCENT, None])
    ((True, 'http://qudt.org/vocab/unit/PERCENT'), (False, None))
    """
    found = set(units)
    if len(found) == 1:
        return True, next(iter(found))
    return not found, None
