"""The public face of a resource: a Pulumi ``Resource`` and its ``…Args`` class, both from the field table.

A resource module declares ``class CustomTag(InstantlyResource, provider=CustomTagProvider)``
and ``CustomTagArgs = args_class(...)``; the inputs, defaults, required fields,
outputs and secret outputs all come from the provider's field table.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import Resource

from instantly_pulumi.resources._provider import InstantlyProvider
from instantly_pulumi.resources._recovery import INTENT


class InstantlyResource(Resource):
    """Base of the public resources: ``Cls(resource_name, args=None, opts=None, **inputs)``.

    The provider class's field table gives the inputs (defaults, required
    ones), the outputs (declared as None so the program can read them) and
    the secret outputs (marked where they are born).
    """

    provider_class: ClassVar[type[InstantlyProvider]]

    def __init_subclass__(cls, provider: type[InstantlyProvider] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if provider is not None:
            cls.provider_class = provider
            cls.__annotations__ = {f.name: f"pulumi.Output[{f.type_}]" for f in provider.fields}

    def __init__(
        self,
        resource_name: str,
        args: Any = None,
        opts: pulumi.ResourceOptions | None = None,
        **inputs: Any,
    ) -> None:
        provider = self.provider_class
        # Not dataclasses.asdict: it deep-copies, and inputs may be Outputs.
        props: dict[str, Any] = (
            {f.name: getattr(args, f.name) for f in dataclasses.fields(args)} if args is not None else {}
        )
        props.update(inputs)
        unknown = sorted(set(props) - set(provider.inputs) - {INTENT})
        if unknown:
            raise TypeError(f"{type(self).__name__}: unknown input(s) {', '.join(map(repr, unknown))}")
        missing = [f.name for f in provider.fields if f.required and props.get(f.name) is None]
        if missing:
            raise TypeError(
                f"{type(self).__name__}: missing required input(s) {', '.join(repr(m) for m in missing)}"
            )
        for f in provider.fields:
            if f.output:
                props[f.name] = None
            elif props.get(f.name) is None and f.default is not None:
                props[f.name] = f.default
        secrets = [f.name for f in provider.fields if f.secret]
        if secrets:
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=secrets)
            )
        super().__init__(provider(), resource_name, props, opts)

    if TYPE_CHECKING:
        # Outputs are declared by the field table (one per field), not as class attributes.
        def __getattr__(self, name: str) -> pulumi.Output[Any]: ...


def args_class(name: str, provider: type[InstantlyProvider], doc: str) -> type:
    """The ``…Args`` dataclass of a resource, generated from its field table."""
    inputs = [f for f in provider.fields if not f.output]
    ordered = [f for f in inputs if f.required] + [f for f in inputs if not f.required]
    spec = [
        (f.name, Any, dataclasses.field(default=f.default, metadata={"doc": f.doc}))
        if not f.required
        else (f.name, Any, dataclasses.field(metadata={"doc": f.doc}))
        for f in ordered
    ]
    lines = [doc, "", "Fields:", ""]
    lines += [f"* ``{f.name}`` ({f.type_}{', required' if f.required else ''}): {f.doc}" for f in ordered]
    return dataclasses.make_dataclass(name, spec, namespace={"__doc__": "\n".join(lines)})
