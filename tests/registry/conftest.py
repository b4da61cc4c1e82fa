import os

import django
from django.conf import settings

# These tests need no database. Run without pytest-django (``-p no:django``), nothing configures
# Django, and rendering a lazy message needs settings and a ready app registry: give it the least
# that works. Under pytest-django the project's settings are used and this does nothing.
if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(USE_I18N=True, LANGUAGE_CODE="en")
    django.setup()
