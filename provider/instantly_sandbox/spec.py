"""What the sandbox takes from the official OpenAPI subset: request schemas and scopes.

Requests are validated against the spec's own request-body schemas (unknown
fields stripped silently, as the live API does), and failures are worded the
way the API's Fastify/AJV validation words them (``body/role must be equal to
one of the allowed values``). Each operation's required scopes are read from
its description (``Requires one of the following scopes: ...``), with the
two operations the spec leaves silent settled by instantly-api.md §7.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from instantly_sandbox import limits
from instantly_sandbox.errors import BadRequestError

# instantly-api.md §7: scopes the spec does not state.
SCOPE_OVERRIDES = {
    "toggleTagResource": ("custom_tags:update", "custom_tags:all", "all:update", "all:all"),
    "getAdminWorkspaceGroupMember": (
        "workspace_group_members:read",
        "workspace_group_members:all",
        "all:read",
        "all:all",
    ),
}


@cache
def spec() -> dict[str, Any]:
    """The official OpenAPI subset shipped with the package."""
    text = resources.files("instantly_sandbox").joinpath("openapi-v2-subset.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def operations() -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId → (method, path, operation object)."""
    out = {}
    for path, ops in spec()["paths"].items():
        for method, op in ops.items():
            if isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = (method.upper(), path, op)
    return out


@cache
def required_scopes(operation_id: str) -> tuple[str, ...]:
    """The scopes of which a key needs one for ``operation_id``."""
    if operation_id in SCOPE_OVERRIDES:
        return SCOPE_OVERRIDES[operation_id]
    _, _, op = operations()[operation_id]
    found = re.search(r"Requires one of the following scopes: (.*)", op.get("description", ""))
    if not found:
        raise KeyError(f"no scopes documented for {operation_id}")
    return tuple(re.findall(r"`([^`]+)`", found.group(1)))


@cache
def all_scopes() -> frozenset[str]:
    """The 178 documented scope strings."""
    return frozenset(spec()["components"]["schemas"]["APIKey"]["properties"]["scopes"]["items"]["enum"])


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        resolved: dict[str, Any] = spec()["components"]["schemas"][ref.rsplit("/", 1)[1]]
        return resolved
    return schema


@cache
def _body_schema(operation_id: str) -> dict[str, Any] | None:
    """The operation's body schema, with the sandbox's limits on text fields added (limits.py)."""
    _, _, op = operations()[operation_id]
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body is None or body.get("type") == "null":
        return None
    return limits.tightened(operation_id, _resolve(body))


def _strip_unknown(value: Any, schema: dict[str, Any]) -> Any:
    """Drop properties a closed object schema does not know (Fastify's removeAdditional)."""
    schema = _resolve(schema)
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        closed = schema.get("additionalProperties") is False
        return {
            k: _strip_unknown(v, props[k]) if k in props else v
            for k, v in value.items()
            if k in props or not closed
        }
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_strip_unknown(v, schema["items"]) for v in value]
    return value


def _where(error: jsonschema.ValidationError) -> str:
    return "/".join(["body", *(str(p) for p in error.absolute_path)])


def _ajv_message(error: jsonschema.ValidationError) -> str:
    where, rule, arg = _where(error), error.validator, error.validator_value
    if rule == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        return f"{where} must have required property '{missing.group(1) if missing else arg}'"
    if rule == "enum":
        return f"{where} must be equal to one of the allowed values"
    if rule == "type":
        kinds = arg if isinstance(arg, list) else [arg]
        return f"{where} must be {','.join(k for k in kinds)}"
    if rule in ("minLength", "maxLength", "minItems", "maxItems"):
        word = "fewer" if rule.startswith("min") else "more"
        unit = "characters" if rule.endswith("Length") else "items"
        return f"{where} must NOT have {word} than {arg} {unit}"
    if rule == "pattern":
        return f'{where} must match pattern "{arg}"'
    if rule == "format":
        return f'{where} must match format "{arg}"'
    if rule in ("minimum", "maximum"):
        return f"{where} must be {'>=' if rule == 'minimum' else '<='} {arg}"
    if rule in ("oneOf", "anyOf"):
        return f"{where} must match a schema in {rule}"
    return f"{where} {error.message}"


def _formats(*standard: str) -> jsonschema.FormatChecker:
    """The formats the API's validator checks: jsonschema's ``standard`` ones, ``email`` as
    AJV's ajv-formats checks it (jsonschema's own asks only for an ``@``), and display text."""
    checker = jsonschema.FormatChecker(list(standard))
    # A format applies to strings only; a value of another type fails its `type` instead.
    checker.checks("email")(lambda v: not isinstance(v, str) or limits.is_email(v))
    checker.checks(limits.ONE_LINE)(limits.is_one_line)
    checker.checks(limits.NO_NUL)(limits.has_no_nul)
    return checker


_FORMATS = _formats()
_FORMATS_STRICT = _formats("date")


def takes_body(operation_id: str) -> bool:
    """Whether the operation has a JSON request body (DELETE's ``null`` body does not count)."""
    return _body_schema(operation_id) is not None


def validate_body(operation_id: str, body: Any) -> Any:
    """The body with unknown fields stripped; raises a 400 naming the field."""
    schema = _body_schema(operation_id)
    if schema is None:
        return None
    if not isinstance(body, dict):
        raise BadRequestError("body must be object")
    body = _strip_unknown(copy.deepcopy(body), schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=_FORMATS)
    error = jsonschema.exceptions.best_match(validator.iter_errors(body))
    if error is not None:
        raise BadRequestError(_ajv_message(error))
    return body


def check_stored(schema_name: str, doc: dict[str, Any]) -> None:
    """400 when a value the caller sent would make the stored object break its own
    response schema (request schemas are looser than response schemas in places:
    ``reply_to`` must be an email, ``end_date`` a date)."""
    schema = {**spec()["components"]["schemas"][schema_name], "components": spec()["components"]}
    validator = jsonschema.Draft202012Validator(schema, format_checker=_FORMATS_STRICT)
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is not None:
        raise BadRequestError(_ajv_message(error))


def query_params(operation_id: str) -> dict[str, dict[str, Any]]:
    """The declared query parameters of an operation, by name."""
    _, _, op = operations()[operation_id]
    return {p["name"]: p.get("schema", {}) for p in op.get("parameters", []) if p.get("in") == "query"}
