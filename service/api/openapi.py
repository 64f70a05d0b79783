"""The OpenAPI document states the limits this deployment enforces, and
how one operation's response feeds the next.

Limits that come from Settings (the longest text, the largest batch) are not
known when the schemas are declared, so they are written into the generated
document here, once per app: clients, and the fuzzer in the test suite, see
what the validators will accept. Links (OpenAPI 3 `links`) say which
response field names the resource later calls take: a submitted case's id
for its decisions, a new bank's name for its entries. The fuzzer follows
them, so decisions are tried on real cases, not on ids that were never issued.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from service.settings import Route, Settings

BATCHES = ("RankRequest", "CaseSubmit")  # request bodies whose `tweets` list HARMLABEL_MAX_BATCH bounds


def declare_limits(app: FastAPI, settings: Settings) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = generate()
        schemas = doc["components"]["schemas"]
        schemas["Tweet"]["properties"]["text"]["maxLength"] = settings.max_text_chars
        for name in BATCHES:
            schemas[name]["properties"]["tweets"]["maxItems"] = settings.max_batch
        routed = sorted(lang for lang, route in settings.language_routes.items() if route is Route.model)
        for parameter in doc["paths"]["/v1/admin/reload"]["post"]["parameters"]:
            if parameter["name"] == "language":
                parameter["schema"]["enum"] = routed
        _multipart_tweet_is_json(doc)
        _link(doc)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def _multipart_tweet_is_json(doc: dict[str, Any]) -> None:
    """/v1/assess/multipart's `tweet` part is a Tweet as JSON, not any string."""
    body = doc["paths"]["/v1/assess/multipart"]["post"]["requestBody"]["content"]["multipart/form-data"]
    ref = body["schema"]["$ref"].rsplit("/", 1)[-1]
    doc["components"]["schemas"][ref]["properties"]["tweet"] = {"$ref": "#/components/schemas/Tweet"}
    body["encoding"] = {"tweet": {"contentType": "application/json"}}


# (path, method, status) of a creating call -> link name -> (path, method, {parameter: response pointer})
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("/v1/cases", "post", "200"): {
        "GetCase": ("/v1/cases/{case_id}", "get", {"case_id": "$response.body#/cases/0/case_id"}),
        "DecideCase": (
            "/v1/cases/{case_id}/decisions",
            "post",
            {"case_id": "$response.body#/cases/0/case_id"},
        ),
        "ReleaseCase": (
            "/v1/cases/{case_id}/release",
            "post",
            {"case_id": "$response.body#/cases/0/case_id"},
        ),
    },
    ("/v1/cases/claim", "post", "200"): {
        "DecideClaimed": ("/v1/cases/{case_id}/decisions", "post", {"case_id": "$response.body#/cases/0/id"}),
        "ReleaseClaimed": ("/v1/cases/{case_id}/release", "post", {"case_id": "$response.body#/cases/0/id"}),
    },
    ("/v1/fact-checks", "post", "201"): {
        "GetFactCheck": ("/v1/fact-checks/{fact_check_id}", "get", {"fact_check_id": "$response.body#/id"}),
        "RetireFactCheck": (
            "/v1/fact-checks/{fact_check_id}",
            "delete",
            {"fact_check_id": "$response.body#/id"},
        ),
    },
    ("/v1/legal-orders", "post", "201"): {
        "GetOrder": ("/v1/legal-orders/{order_id}", "get", {"order_id": "$response.body#/id"}),
        "LumenNotice": ("/v1/legal-orders/{order_id}/lumen.json", "get", {"order_id": "$response.body#/id"}),
    },
    ("/v1/media-banks", "post", "201"): {
        "AddEntry": ("/v1/media-banks/{bank}/entries", "post", {"bank": "$response.body#/name"}),
        "ExportBank": ("/v1/media-banks/{bank}/export", "get", {"bank": "$response.body#/name"}),
        "ImportBank": ("/v1/media-banks/{bank}/import", "post", {"bank": "$response.body#/name"}),
    },
    ("/v1/media-banks/{bank}/entries", "post", "201"): {
        "RemoveEntry": (
            "/v1/media-banks/{bank}/entries/{entry_id}",
            "delete",
            {"bank": "$response.body#/bank", "entry_id": "$response.body#/id"},
        ),
    },
}


def _link(doc: dict[str, Any]) -> None:
    paths = doc["paths"]
    for (path, method, status), links in LINKS.items():
        response = paths[path][method]["responses"][status]
        response["links"] = {
            name: {"operationId": paths[target][verb]["operationId"], "parameters": parameters}
            for name, (target, verb, parameters) in links.items()
        }
