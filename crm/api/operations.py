"""How an API endpoint is declared: `@operation(...)` registers the route, authenticates the bearer token,
checks the role, validates the query string and the JSON body, and dumps the answer with its schema. The same
declaration feeds the OpenAPI document (crm.api.spec), so the document describes what the code does."""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import g, jsonify, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError

from crm.api import bp
from crm.api.errors import ApiError
from crm.api.inputs import MAX_PER_PAGE, Reference
from crm.api.tokens import user_for_token
from crm.auth.models import User
from crm.extensions import csrf, db
from crm.types import utcnow


@dataclass
class Operation:
    endpoint: str
    method: str
    tag: str
    summary: object  # a lazy string: the document is rendered in the reader's language
    response: type[Schema]
    status: int = 200
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    roles: tuple = ()
    path_enums: dict = field(default_factory=dict)  # path parameter → its allowed values

    @property
    def errors(self) -> tuple[int, ...]:
        codes = [400, 401, 404, 422]
        if self.roles or self.method != "GET":
            codes.append(403)
        if self.method != "GET":
            codes.append(409)
        return tuple(sorted(codes))


OPERATIONS: list[Operation] = []


def bearer_user() -> User:
    """The active user of the presented token; a session cookie alone is not enough (401)."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ApiError(
            401, "token_missing", _("Send a personal API token as 'Authorization: Bearer <token>'.")
        )
    user = user_for_token(raw.strip(), utcnow())
    if user is None:
        raise ApiError(
            401, "token_invalid", _("The API token is unknown, revoked or expired, or its user is disabled.")
        )
    # current_user is the token's user for this request only: nothing is written to the session.
    g._login_user = user
    return user


def _field(schema: type[Schema], data_key: str):
    return next((f for name, f in schema._declared_fields.items() if (f.data_key or name) == data_key), None)


def _load(schema: type[Schema], data, where: str) -> dict:
    try:
        return schema().load(data)
    except ValidationError as error:
        messages = error.normalized_messages()
        unknown = sorted(k for k, v in messages.items() if v == ["Unknown field."])
        if unknown:
            raise ApiError(
                400, "unknown_parameter", _("Unknown parameter: %(names)s", names=", ".join(unknown))
            ) from None
        names = ", ".join(sorted(str(k) for k in messages))
        message = _("These values are not acceptable: %(names)s", names=names)
        # A name that resolves to nothing says which names come closest (crm.refdata.aliases).
        said = [m for k, v in messages.items() if isinstance(_field(schema, k), Reference) for m in v]
        raise ApiError(422, f"invalid_{where}", " ".join([message, *said])) from None


def json_body():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", _("Send a JSON object as the request body."))
    return data


def operation(rule: str, method: str = "GET", *, tag: str, summary, response: type[Schema], status: int = 200,
              query: type[Schema] | None = None, body: type[Schema] | None = None, roles: tuple = (),
              path_enums: dict | None = None) -> Callable:  # fmt: skip
    """Declare an endpoint. The view gets the user, the path values, and `args`/`data` when declared."""

    def decorator(fn: Callable) -> Callable:
        @wraps(fn)
        def view(**path):
            user = bearer_user()
            if roles and user.role not in roles:
                raise ApiError(403)
            for name, allowed in (path_enums or {}).items():
                if path[name] not in allowed:
                    raise ApiError(404)
            extra = {}
            if query is not None:
                extra["args"] = _load(query, request.args.to_dict(), "parameter")
            elif request.args:
                raise ApiError(400, "unknown_parameter",
                               _("Unknown parameter: %(names)s", names=", ".join(sorted(request.args))))  # fmt: skip
            if body is not None:
                extra["data"] = _load(body, json_body(), "body")
            result = fn(user, **path, **extra)
            return jsonify(response().dump(result)), status

        csrf.exempt(view)  # a bearer token, not a cookie: nothing for a forged cross-site request to ride on
        bp.add_url_rule(rule, fn.__name__, view, methods=[method])
        OPERATIONS.append(Operation(fn.__name__, method, tag, summary, response, status, query, body, roles,
                                    path_enums or {}))  # fmt: skip
        return view

    return decorator


def page(query, args: dict) -> dict:
    """One page of a scoped SELECT as {"items", "page", "per_page", "total"}."""
    per_page = min(args.get("per_page", 20), MAX_PER_PAGE)
    result = db.paginate(query, page=args.get("page", 1), per_page=per_page, error_out=False, count=True)
    return {"items": result.items, "page": result.page, "per_page": per_page, "total": result.total}
