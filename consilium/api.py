"""The JSON API (django-ninja), at /api/v1/ with its OpenAPI schema at /api/v1/openapi.json.

Each app keeps its endpoints in its own `api.py` as a `router`; they are mounted here.
Sign-in is the web session (with CSRF protection on writes), so the API obeys exactly the
access rules of the pages."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import django_auth

from consilium.network.api import router as network_router

api = NinjaAPI(
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
