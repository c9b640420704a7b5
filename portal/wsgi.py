import os

from django.core.wsgi import get_wsgi_application

from common.bodycap import RequestBodyCap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.portal")
# Request bodies over REQUEST_BODY_MAX_BYTES are refused before anything reads them.
application = RequestBodyCap(get_wsgi_application())
