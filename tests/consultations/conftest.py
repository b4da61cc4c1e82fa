"""Let the pure-Python consultation tests (mail parsing, reply tokens) run without the project.

With pytest-django active the project's settings are used as they are.  Run alone (``-p
no:django``) these modules only need Django's translation machinery, so minimal settings are
configured here; the guard leaves a real configuration untouched.
"""

import os

import django
from django.conf import settings

if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(
        USE_I18N=True,
        LANGUAGE_CODE="en",
        INSTALLED_APPS=[],
        DATABASES={},
    )
    django.setup()
