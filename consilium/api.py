"""The JSON API (django-ninja), at /api/v1/ with its OpenAPI schema at /api/v1/openapi.json.

Each app keeps its endpoints in its own `api.py` as a `router`; they are mounted here.
Sign-in is the web session (with CSRF protection on writes), so the API obeys exactly the
access rules of the pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.parser import Parser
from ninja.security import django_auth

from consilium.consultations.api import router as consultations_router
from consilium.lib.text_input import query_problem, text_problem, value_problem
from consilium.library.api import router as library_router
from consilium.meetings.api import router as meetings_router
from consilium.navigation.api import router as navigation_router
from consilium.network.api import router as network_router
from consilium.outcomes.api import router as outcomes_router
from consilium.registry.api import router as registry_router
from consilium.search.api import router as search_router


class _TextParser(Parser):
    """Bodies and query values that the database could not store as given (a NUL character, a
    lone surrogate, an integer beyond 64 bits) are refused here, with the same answer on
    SQLite and PostgreSQL, instead of ending in a server error deep in an action."""

    def parse_body(self, request: HttpRequest) -> dict:
        data = super().parse_body(request)
        if problem := value_problem(data):
            # ninja answers 400 "Cannot parse request body" for any error raised here.
            raise ValueError(problem)
        return data

    def parse_querydict(self, data, list_fields, request: HttpRequest) -> dict:
        result = super().parse_querydict(data, list_fields, request)
        for key, value in result.items():
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, str) and (problem := text_problem(key) or query_problem(v)):
                    raise ValidationError(
                        [{"loc": ["query", key], "msg": problem, "type": "value_error"}]
                    )
        return result


api = NinjaAPI(
    parser=_TextParser(),
    title="Consilium API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
    docs_url="/docs",
    # The interactive docs are for people who hold an account, and come from ninja's own
    # static files (ninja is an installed app for that), never from a CDN the CSP refuses.
    docs_decorator=login_required,
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
api.add_router("/search/", search_router)
api.add_router("/navigation/", navigation_router)
