"""The example SPARQL queries shipped in ``graph/queries/*.rq``, for the web page and the docs.

Each file is one query. Header comment lines name and explain it::

    # title: Who makes dysprosium outside China?
    # description: Facilities producing dysprosium or a form of it, with their country.
    SELECT ...

A file without a title is shown under its file name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["QUERIES_DIR", "ExampleQuery", "example_queries"]

QUERIES_DIR = Path(str(resources.files("rekg.graph.sparql"))) / "queries"

_HEADER = re.compile(r"^#\s*(title|description)\s*:\s*(.*?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ExampleQuery:
    """One example query and what it asks."""

    name: str
    title: str
    description: str
    query: str


def example_queries(directory: Path = QUERIES_DIR) -> list[ExampleQuery]:
    """Every ``*.rq`` file in ``directory``, by file name, with its title and description.

    Parameters
    ----------
    directory : Path
        Where the ``.rq`` files are; a missing directory gives no examples.

    Returns
    -------
    list of ExampleQuery

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> text = "# title: Countries\\n# description: Every country.\\nSELECT ?c WHERE { ?c a rekg:Country }\\n"
    >>> _ = (d / "countries.rq").write_text(text)
    >>> [(q.name, q.title, q.description) for q in example_queries(d)]
    [('countries', 'Countries', 'Every country.')]
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    out = []
    for path in sorted(directory.glob("*.rq")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        meta: dict[str, str] = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                if line.strip():
                    break
                continue
            m = _HEADER.match(line)
            if m:
                key = m.group(1).lower()
                meta[key] = (meta[key] + " " + m.group(2)) if key in meta else m.group(2)
        out.append(
            ExampleQuery(
                name=path.stem,
                title=meta.get("title") or path.stem.replace("-", " ").replace("_", " "),
                description=meta.get("description", ""),
                query=text.strip() + "\n",
            )
        )
    return out
