"""The outcomes report as PDF, by WeasyPrint with Debian's DejaVu fonts (Vietnamese and
Cyrillic included); nothing is fetched from anywhere."""

from __future__ import annotations

import logging

from django.template.loader import render_to_string

# WeasyPrint logs every rendering step at INFO.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_pdf(template: str, context: dict[str, object]) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which nothing else needs.
    from weasyprint import HTML

    html = render_to_string(template, context)
    # No base_url: the template cannot make WeasyPrint read a file or fetch a URL.
    return HTML(string=html, base_url=None).write_pdf()
