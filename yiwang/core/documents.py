"""Printed papers as PDF (文书打印): HTML templates rendered by WeasyPrint.

Templates extend `documents/base.html` (A4, GB/T 9704 margins and a serif CJK face: Noto Serif
CJK SC from Debian's fonts-noto-cjk, installed by the Makefile's `system` target). WeasyPrint
is imported on first use, so a process that prints nothing never loads pango.
"""

from __future__ import annotations

from django.template.loader import render_to_string


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    """The PDF bytes of `template` rendered with `context`."""
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    return HTML(string=html, base_url=".").write_pdf()


def render_pdf_bundle(parts: list[tuple[str, dict]], *, request=None) -> bytes:
    """One PDF of several papers in order (a case file, 案卷): each (template, context) is laid
    out on its own pages, then the pages are joined (WeasyPrint's Document.copy)."""
    from weasyprint import HTML

    documents = [
        HTML(string=render_to_string(t, c, request=request), base_url=".").render()
        for t, c in parts
    ]
    if not documents:
        raise ValueError("render_pdf_bundle: no parts")
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
