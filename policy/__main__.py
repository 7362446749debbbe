"""instantly-access-guardrails: the agency's guardrails on client workspaces (docs/policy.md).

    pulumi preview --policy-pack policy [--policy-pack-config FILE]

The rules themselves are in guardrails.py; this file names them, sets their
enforcement levels and configuration schemas, and picks the resources each
applies to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import guardrails
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

Rule = Callable[[Mapping[str, Any], Mapping[str, Any]], list[str]]


def on(type_: str, rule: Rule) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """A validation that applies ``rule(props, config)`` to the resources of ``type_``."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if guardrails.urn_type(args.urn) != type_:
            return
        for message in rule(args.props, args.get_config()):
            report_violation(message, None)

    return validate


def few_admins(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = [(r.urn, r.props) for r in args.resources]
    members = guardrails.of_type(resources, guardrails.WORKSPACE_MEMBER)
    for message in guardrails.too_many_admins(members, args.get_config()):
        report_violation(message, None)


STRINGS = {"type": "array", "items": {"type": "string"}}

PolicyPack(
    name="instantly-access-guardrails",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        ResourceValidationPolicy(
            name="no-full-access-keys",
            description="No API key with an all:* scope, in any stack, whatever allow_full_access says.",
            enforcement_level=EnforcementLevel.MANDATORY,
            validate=on(guardrails.API_KEY, lambda props, _config: guardrails.full_access_scopes(props)),
        ),
        ResourceValidationPolicy(
            name="admins-from-agency-domains",
            description="Admins of a client workspace have an email in one of the agency's own domains.",
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=PolicyConfigSchema(
                properties={"domains": {**STRINGS, "description": "The agency's email domains."}}
            ),
            validate=on(guardrails.WORKSPACE_MEMBER, guardrails.admin_outside_domains),
        ),
        ResourceValidationPolicy(
            name="keys-declare-rotation",
            description="Every API key declares a rotation (and, if configured, a recent one).",
            enforcement_level=EnforcementLevel.ADVISORY,
            config_schema=PolicyConfigSchema(
                properties={
                    "max_age_days": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "Oldest allowed rotation, when it is written as a date.",
                    }
                }
            ),
            validate=on(
                guardrails.API_KEY,
                lambda props, config: guardrails.rotation_problems(props, config, dt.date.today()),
            ),
        ),
        ResourceValidationPolicy(
            name="members-have-nicknames",
            description="Every member has a nickname saying who they are.",
            enforcement_level=EnforcementLevel.ADVISORY,
            config_schema=PolicyConfigSchema(
                properties={"except_domains": {**STRINGS, "description": "Domains whose members need none."}}
            ),
            validate=on(guardrails.WORKSPACE_MEMBER, guardrails.missing_nickname),
        ),
        StackValidationPolicy(
            name="few-admins",
            description="At most max_admins admins per client workspace (default 2).",
            enforcement_level=EnforcementLevel.ADVISORY,
            config_schema=PolicyConfigSchema(properties={"max_admins": {"type": "integer", "minimum": 1}}),
            validate=few_admins,
        ),
    ],
)
