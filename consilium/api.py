"""The JSON API (django-ninja), at /api/v1/ with its OpenAPI schema at /api/v1/openapi.json.

Each app keeps its endpoints in its own `api.py` as a `router`; they are mounted here.
Sign-in is the web session (with CSRF protection on writes), so the API obeys exactly the
access rules of the pages."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.parser import Parser
from ninja.security import django_auth

from consilium.consultations.api import router as consultations_router
from consilium.library.api import router as library_router
from consilium.meetings.api import router as meetings_router
from consilium.navigation.api import router as navigation_router
from consilium.network.api import router as network_router
from consilium.outcomes.api import router as outcomes_router
from consilium.registry.api import router as registry_router


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class _TextParser(Parser):
    """JSON bodies whose text holds a NUL character are refused here: PostgreSQL cannot store
    one, and the request would otherwise end in a server error deep in an action."""

    def parse_body(self, request: HttpRequest) -> dict:
        data = super().parse_body(request)
        if _has_nul(data):
            raise ValidationError(
                [{"loc": ["body"], "msg": "Text may not contain NUL characters.", "type": "nul"}]
            )
        return data


api = NinjaAPI(
    parser=_TextParser(),
    title="Consilium API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
    docs_url="/docs",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "Sign in first."}, status=401)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "The request is not valid.", "errors": exc.errors}, status=422
    )


api.add_router("/network/", network_router)
api.add_router("/consultations/", consultations_router)


api.add_router("/registry/", registry_router)
api.add_router("/meetings/", meetings_router)
api.add_router("/library/", library_router)
api.add_router("/outcomes/", outcomes_router)
api.add_router("/navigation/", navigation_router)
