"""HTML to PDF with WeasyPrint. Fonts are Debian's DejaVu, which cover Vietnamese and
Cyrillic; no font is fetched from anywhere."""

import logging

from django.template.loader import render_to_string

# WeasyPrint logs each of its rendering steps at INFO, which would drown the server log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_pdf(template: str, context: dict[str, object]) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which pages that never print skip.
    from weasyprint import HTML

    html = render_to_string(template, context)
    # No base_url: a template cannot make WeasyPrint read files or fetch URLs.
    return HTML(string=html, base_url=None).write_pdf()
