"""The boundary with the Pulumi SDK's dynamic-provider gRPC server.

The SDK (``pulumi/dynamic/__main__.py``) calls our provider methods without
handing them the gRPC context, and turns any exception into an error the user
reads with noise around the message: ``Exception calling application:
<message>`` up to SDK 3.259, the whole Python traceback since (its servicer
methods catch every exception and abort again with ``traceback.format_exc()``).
Two things need the context:

* an error the user should read as it is (no prefix, no traceback);
* a note for the user about one resource (an adoption, a member invited
  again) belongs under that resource in Pulumi's diagnostics: :func:`note`
  sends it to the engine's log with the URN of the request being served;
* a create or update that *did* something before it failed — a group
  invitation that was sent but not accepted in time — must stay in Pulumi's
  state, so the next ``pulumi up`` continues it and ``destroy`` revokes it.
  The engine's mechanism for that is the ``ErrorResourceInitFailed`` error
  detail (the resource is recorded with its id and properties, marked as not
  initialised, and updated on the next run), which the Python SDK does not
  expose.

Both abort with a rich status: a ``google.rpc.Status`` in the
``grpc-status-details-bin`` trailer, carrying our message (and, for a partial
failure, the detail). A later abort by the SDK's wrapper replaces the plain
status message but not that trailer, and the engine's gRPC client (grpc-go)
takes the trailer's status whenever its code matches the call's: the user
reads our message, whatever the SDK does after us.

The context is the ``context`` argument of the SDK's servicer method on the
calling thread's stack (every gRPC servicer method has it, by gRPC's own
signature). Outside a gRPC call (unit tests, direct use) there is none, and
the exception is simply raised.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any, NoReturn

import grpc

PROVIDER_KEY = "__provider"


def _context() -> grpc.ServicerContext | None:
    frame = sys._getframe(1)
    while frame is not None:
        candidate = frame.f_locals.get("context")
        if isinstance(candidate, grpc.ServicerContext):
            return candidate
        frame = frame.f_back  # type: ignore[assignment]
    return None


def request_urn() -> str | None:
    """The URN of the resource whose gRPC request the calling thread serves (None outside one).

    Every provider request of the dynamic-provider protocol (check, diff, create, read, update,
    delete) carries the resource's URN, which names the stack: ``urn:pulumi:<stack>::<project>::…``.
    """
    frame = sys._getframe(1)
    while frame is not None:
        if isinstance(frame.f_locals.get("context"), grpc.ServicerContext):
            urn = getattr(frame.f_locals.get("request"), "urn", None)
            return urn if isinstance(urn, str) and urn else None
        frame = frame.f_back  # type: ignore[assignment]
    return None


def stack_of(urn: str) -> str | None:
    """The stack named by a URN (``urn:pulumi:acme::instantly-clients::…`` → ``acme``)."""
    parts = urn.split("::", 1)[0].split(":")
    return parts[2] if len(parts) == 3 and parts[:2] == ["urn", "pulumi"] and parts[2] else None


def project_of(urn: str) -> str | None:
    """The project named by a URN (``urn:pulumi:acme::instantly-clients::…`` → ``instantly-clients``)."""
    parts = urn.split("::")
    return parts[1] if len(parts) > 2 and parts[1] else None


_ENGINE: dict[str, Any] = {}
_ENGINE_LOCK = threading.Lock()


def _engine() -> Any:
    """A client of the engine's log service (its address is the provider process's argument)."""
    with _ENGINE_LOCK:
        if "stub" not in _ENGINE:
            from pulumi.runtime.proto import engine_pb2_grpc

            address = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
            _ENGINE["stub"] = engine_pb2_grpc.EngineStub(grpc.insecure_channel(address)) if address else None
        return _ENGINE["stub"]


def note(message: str, *, warning: bool = False) -> None:
    """Show ``message`` in Pulumi's diagnostics under the resource being served (preview and up).

    Outside a gRPC request (unit tests, direct use) the message goes to stderr.
    """
    urn = request_urn()
    engine = _engine() if urn else None
    if urn and engine is not None:
        from pulumi.runtime.proto import engine_pb2

        severity = engine_pb2.WARNING if warning else engine_pb2.INFO
        try:
            engine.Log(engine_pb2.LogRequest(severity=severity, message=message, urn=urn), timeout=10)
            return
        except grpc.RpcError:
            pass  # the engine is going away: stderr still reaches its log
    print(message, file=sys.stderr, flush=True)


def fail(exc: BaseException) -> NoReturn:
    """Raise ``exc`` to the engine with its message as it is (no SDK prefix, no traceback)."""
    context = _context()
    if context is not None:
        _abort(context, exc)
    raise exc


class _Status(grpc.Status):  # type: ignore[misc]
    def __init__(self, code: grpc.StatusCode, details: str, metadata: tuple[tuple[str, bytes], ...]) -> None:
        self.code = code
        self.details = details
        self.trailing_metadata = metadata


def _abort(context: grpc.ServicerContext, exc: BaseException, *details: Any) -> NoReturn:
    """End the call with ``exc``'s message as a rich status (see the module's docstring), with
    ``details`` (packed protobuf messages) attached."""
    # Imported here: only the provider process needs them.
    from google.protobuf import any_pb2
    from google.rpc import status_pb2

    packed = []
    for detail in details:
        any_detail = any_pb2.Any()
        any_detail.Pack(detail)
        packed.append(any_detail)
    code = grpc.StatusCode.UNKNOWN
    status = status_pb2.Status(code=code.value[0], message=str(exc), details=packed)
    context.abort_with_status(
        _Status(code, str(exc), (("grpc-status-details-bin", status.SerializeToString()),))
    )
    raise exc  # abort_with_status raises; this line is for type checkers


def fail_partially(exc: BaseException, id_: str, outs: dict[str, Any], props: dict[str, Any]) -> NoReturn:
    """Fail, but keep the object ``id_`` with ``outs`` in Pulumi's state (not initialised).

    Without a gRPC context (unit tests) this raises ``exc`` with ``partial``
    set to ``(id_, outs)`` so callers can see what would have been kept.
    """
    context = _context()
    if context is None:
        exc.partial = (id_, outs)  # type: ignore[attr-defined]
        raise exc
    # Imported here: only the provider process needs them.
    from pulumi.runtime import rpc
    from pulumi.runtime.proto import provider_pb2

    loop = asyncio.new_event_loop()
    try:
        properties = loop.run_until_complete(
            rpc.serialize_properties({**outs, PROVIDER_KEY: props[PROVIDER_KEY]}, {})
        )
    finally:
        loop.close()
    kept = provider_pb2.ErrorResourceInitFailed(id=id_, properties=properties, reasons=[str(exc)])
    _abort(context, exc, kept)
