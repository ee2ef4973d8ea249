"""The OpenAPI document, generated once per test process for the proofs that walk it."""

from __future__ import annotations

import copy
from functools import cache


@cache
def _document() -> dict:
    import django

    django.setup()
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def openapi_document() -> dict:
    """A fresh copy (schemathesis resolves references in place)."""
    return copy.deepcopy(_document())
