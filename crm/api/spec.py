"""The OpenAPI 3 document, generated from the @operation declarations and their marshmallow schemas (apispec)."""

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.api.errors import CODES
from crm.api.operations import OPERATIONS, Operation
from crm.api.schemas import ErrorSchema
from crm.parsing import MAX_ID

VERSION = "1.0.0"
PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _path(op: Operation) -> tuple[str, list[dict]]:
    """The Flask rule as an OpenAPI path ('/api/v1/entries/{entry_id}') and its path parameters."""
    rule = next(r for r in current_app.url_map.iter_rules() if r.endpoint == f"api.{op.endpoint}")
    params = []
    for converter, name in PARAM.findall(rule.rule):
        if converter == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        else:
            schema = {"type": "string", "enum": list(op.path_enums[name])}
        params.append({"in": "path", "name": name, "required": True, "schema": schema})
    return PARAM.sub(lambda m: "{" + m.group(2) + "}", rule.rule), params


def _operation(op: Operation, params: list[dict]) -> dict:
    json = "application/json"
    responses = {str(op.status): {"description": _("Success"), "content": {json: {"schema": op.response}}}}
    for code in op.errors:
        responses[str(code)] = {"description": str(CODES[code][1]), "content": {json: {"schema": "Error"}}}
    result = {
        "operationId": op.endpoint,
        "tags": [op.tag],
        "summary": str(op.summary),
        "security": [{"bearer": []}],
        "parameters": params + ([{"in": "query", "schema": op.query}] if op.query else []),
        "responses": responses,
    }
    if op.roles:
        result["description"] = _("Roles: %(roles)s", roles=", ".join(op.roles))
    if op.body is not None:
        result["requestBody"] = {"required": True, "content": {json: {"schema": op.body}}}
    return result


# The operation groups, described in the user's language (Swagger UI shows them as section headings).
TAGS = {
    "enterprises": _l("Enterprise records"),
    "entries": _l("Whitelist entries, their workflow actions, assignment and contact logs"),
    "projects": _l("Projects (招商项目) and their monthly 到位资金 lines"),
    "teams": _l("Attack teams"),
    "work": _l("My tasks and notifications"),
    "dashboard": _l("Dashboard figures"),
}


def build_spec() -> dict:
    spec = APISpec(
        title=_("Target-enterprise CRM API"),
        version=VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": _(
                "Create a personal token on the API tokens page and send it as "
                "'Authorization: Bearer <token>'. You see exactly what you see in the web "
                "interface. Money is in 万元; times are ISO 8601 (UTC)."
            )
        },  # fmt: skip
    )
    for name, description in TAGS.items():
        spec.tag({"name": name, "description": str(description)})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    for op in OPERATIONS:
        path, params = _path(op)
        spec.path(path=path, operations={op.method.lower(): _operation(op, params)})
    return spec.to_dict()
