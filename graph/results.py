"""The base of every answer type: one dataclass per answer, rendered per format by its callers.

An answer is computed once by a function of :mod:`rekg.graph` and returned as a dataclass that
inherits :class:`Result`. The HTTP API uses that dataclass as its response model (FastAPI
builds the JSON schema from the fields and their docstrings), the CLI prints it or dumps
:meth:`Result.to_dict`, and the Python API hands it to the user, who can call
:meth:`Result.to_dict` or :meth:`Result.to_frame`. So the three interfaces show one shape.

Field documentation is written once, as a docstring under the field, and reaches the
OpenAPI schema through pydantic's ``use_attribute_docstrings``.
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

__all__ = ["Result"]


class Result:
    """Mixin for answer dataclasses: :meth:`to_dict` (the JSON the API sends) and :meth:`to_frame`.

    A subclass names in ``rows_field`` the list field whose items are its table rows (the
    suppliers of a supplier answer, say); :meth:`to_frame` tabulates that list.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Found(Result):
    ...     q: str
    ...     items: list[int]
    ...     rows_field = "items"
    >>> Found("dy", [1, 2]).to_dict()
    {'q': 'dy', 'items': [1, 2]}
    """

    #: Read by pydantic when it builds the schema of a subclass: field docstrings become descriptions.
    __pydantic_config__: ClassVar[dict[str, Any]] = {"use_attribute_docstrings": True}
    #: The list field whose items are the rows of :meth:`to_frame`; ``None`` gives one row.
    rows_field: ClassVar[str | None] = None

    def to_dict(self) -> dict[str, Any]:
        """This answer as plain JSON values (dates as ISO strings), exactly as the HTTP API sends it."""
        return _adapter(type(self)).dump_python(self, mode="json")

    def to_frame(self) -> Any:
        """The rows of this answer as a pandas ``DataFrame`` (nested values flattened with dots).

        Raises
        ------
        ImportError
            If pandas is not installed (``pip install pandas``).
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pandas is optional: the core does not need it
            raise ImportError("to_frame() needs pandas: pip install pandas") from exc
        data = self.to_dict()
        rows = data[self.rows_field] if self.rows_field else [data]
        return pd.json_normalize(rows)


@cache
def _adapter(cls: type) -> Any:
    # pydantic is imported on first use: the CLI's --help and plain queries never pay for it.
    from pydantic import TypeAdapter

    return TypeAdapter(cls)
