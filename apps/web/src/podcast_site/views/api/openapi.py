"""Describe the API in /openapi.json exactly: the parts quart-schema leaves out or gets wrong."""

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel
from quart import Quart
from quart_schema import Info, OpenAPIProvider, QuartSchema, document_response
from quart_schema.typing import Model
from werkzeug.routing import BaseConverter, Rule

from podcast_site.core.show import Show
from podcast_site.views.api.schemas import ApiError, RetryAfter
from podcast_site.web.inputs import MAX_EPISODE_NUMBER, EpisodeNumberConverter


class ApiOnlyOpenAPIProvider(OpenAPIProvider):
    """Describe only the JSON API in /openapi.json, and describe it exactly.

    quart-schema (0.25) leaves three things out or wrong, which clients and
    schemathesis read: which query parameters are required, the bounds of an
    episode number, and where response headers go (it nests them in
    `content`; OpenAPI wants them beside it).
    """

    def generate_rules(self) -> Iterable[Rule]:
        """Keep the rules under /api/."""
        return (rule for rule in super().generate_rules() if rule.rule.startswith("/api/"))

    def build_path_parameter(self, name: str, converter: BaseConverter) -> dict[str, Any]:
        """Give an episode number its bounds: others match no route (404)."""
        parameter = super().build_path_parameter(name, converter)
        if isinstance(converter, EpisodeNumberConverter):
            parameter["schema"] |= {"minimum": 1, "maximum": MAX_EPISODE_NUMBER}
        return parameter

    def build_querystring_parameters(
        self, model: type[Model]
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Mark the parameters without a default as required."""
        parameters, definitions = super().build_querystring_parameters(model)
        assert issubclass(model, BaseModel)  # the API's query models are all pydantic's
        for parameter in parameters:
            if model.model_fields[parameter["name"]].is_required():
                parameter["required"] = True
        return parameters, definitions

    def build_response_object(
        self, model: type[Model], headers_model: type[Model] | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Put the response's headers where OpenAPI looks for them, marked required."""
        response, definitions = super().build_response_object(model, headers_model)
        if headers := response["content"].pop("headers", None):
            response["headers"] = {
                name: header | {"required": True} for name, header in headers.items()
            }
        return response, definitions


def document_errors[View: Callable[..., object]](*statuses: int) -> Callable[[View], View]:
    """Describe the errors a view answers with; every one may also be 400 (bad input) or 429."""

    def decorator(view: View) -> View:
        for status in sorted({400, 429, *statuses}):
            headers = RetryAfter if status == 429 else None
            view = document_response(ApiError, status, headers)(view)
        return view

    return decorator


def init_app(app: Quart, show: Show) -> None:
    """Serve /openapi.json, described by ApiOnlyOpenAPIProvider."""
    # Only the machine-readable description: the interactive docs pages load
    # their scripts from public CDNs, which the site's CSP rightly refuses.
    QuartSchema(
        app,
        info=Info(title=f"{show.name} API", version="1"),
        openapi_provider_class=ApiOnlyOpenAPIProvider,
        swagger_ui_path=None,
        redoc_ui_path=None,
        scalar_ui_path=None,
    )
