"""Printed papers of the party app (PDF via `core.documents`): the 志愿服务记录证明."""

from __future__ import annotations

from yiwang.core.documents import render_pdf
from yiwang.party.models import VolunteerCertificate


def certificate_context(cert: VolunteerCertificate) -> dict:
    """Everything the certificate prints, from what was stored when it was issued."""
    from yiwang.grids.models import Region

    volunteer = cert.volunteer
    region = Region.objects.filter(code=volunteer.region_code).first()
    street = Region.objects.filter(code=volunteer.region_code[:9], level="street").first()
    return {
        "title": "志愿服务记录证明",
        "cert": cert,
        "name": volunteer.person.name if volunteer.person_id else str(volunteer.user),
        "community": region.name if region else volunteer.region_code,
        "issuer": f"{street.name if street else ''}{region.name if region else ''}".strip()
        or "社区志愿服务站",
        "rows": cert.rows,
    }


def certificate_pdf(cert: VolunteerCertificate) -> bytes:
    return render_pdf("party/documents/volunteer_certificate.html", certificate_context(cert))
