"""Document numbers without gaps (文书编号) and printed papers as PDF."""

import pytest
from django.db import transaction

from yiwang.core import numbering
from yiwang.core.documents import render_pdf, render_pdf_bundle
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.models import VoidedNumber

pytestmark = pytest.mark.django_db


def issue(series="test.decision", year=2026):
    with transaction.atomic():
        return numbering.issue_number(series, year)


def test_numbers_run_per_series_and_year_without_gaps():
    assert [issue() for _ in range(3)] == [1, 2, 3]
    assert issue(year=2027) == 1
    assert issue(series="test.notice") == 1
    assert numbering.formatted("唯综执罚决字", 2026, 7) == "唯综执罚决字〔2026〕第0007号"


def test_a_rolled_back_paper_gives_its_number_back():
    assert issue() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        numbering.issue_number("test.decision", 2026)
        raise RuntimeError("the paper failed to save")
    assert issue() == 2


def test_a_voided_number_is_recorded_and_never_reissued():
    assert issue() == 1
    with transaction.atomic():
        numbering.void_number("test.decision", 2026, 1, reason="打印错误")
    assert VoidedNumber.objects.filter(number=1).exists()
    assert issue() == 2
    with pytest.raises(Conflict), transaction.atomic():
        numbering.void_number("test.decision", 2026, 1, reason="再次作废")
    with pytest.raises(ValidationFailed), transaction.atomic():
        numbering.void_number("test.decision", 2026, 9, reason="未用的号")


def test_papers_render_as_pdf_with_the_serif_cjk_face(tmp_path):
    from django.template import engines

    engine = engines["django"]
    template = engine.from_string(
        '{% extends "documents/base.html" %}{% block body %}<h1>受理通知书</h1>'
        "<p>{{ who }}：你申请的事项已受理。</p>{% endblock %}"
    )
    path = tmp_path / "notice.html"
    path.write_text(template.template.source, encoding="utf-8")
    from django.test import override_settings

    dirs = [tmp_path]
    with override_settings(
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": dirs,
                "APP_DIRS": True,
            }
        ]
    ):
        pdf = render_pdf("notice.html", {"who": "王小明"})
        bundle = render_pdf_bundle([("notice.html", {"who": "甲"}), ("notice.html", {"who": "乙"})])
    assert pdf.startswith(b"%PDF")
    assert b"NotoSerifCJK" in pdf_objects(pdf)  # the face is embedded, not a fallback
    assert (
        pdf_objects(bundle).count(b"/Type /Page\n")
        + pdf_objects(bundle).count(b"/Type /Page/")
        + pdf_objects(bundle).count(b"/Type /Page>")
        >= 2
    )


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed object streams inflated (font names live inside them)."""
    import re
    import zlib

    out = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)
