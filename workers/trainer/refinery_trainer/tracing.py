"""The trainer's OpenTelemetry span: one per verb, a child of the GPU worker's activity span.

The worker passes its trace context as W3C `TRACEPARENT` (and `TRACESTATE`) in the environment.
With OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set, `verb_span` opens a
span named `trainer <verb>` under it and exports it over OTLP/HTTP (protobuf) when the verb ends;
unset (or OTEL_SDK_DISABLED=true), nothing is imported and nothing is sent. The span carries
counts only (verb, steps, real tokens, outcome), never data or error messages (they may quote a
record): `observe` picks them from the protocol events as they are emitted.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Any, Iterator

_span: Any = None  # the open span, while a verb runs with tracing on


def configured(env: os._Environ[str] | dict[str, str] = os.environ) -> bool:
    endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    return bool(endpoint) and env.get("OTEL_SDK_DISABLED", "").lower() != "true"


@contextmanager
def verb_span(verb: str) -> Iterator[Any]:
    global _span
    if not configured():
        yield None
        return
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
    except ImportError as e:  # a venv older than requirements.txt: train untraced rather than fail
        print(f"[refinery-trainer] tracing is configured but {e.name} is missing (bash scripts/bootstrap installs it); no span is sent",
              file=sys.stderr, flush=True)
        yield None
        return

    provider = TracerProvider(resource=Resource.create({"service.name": "refinery-trainer"}))
    # The span is sent as the process exits: with a collector down, retrying must not hold up the
    # exit for long (the exporter's default is 10 s); OTEL_EXPORTER_OTLP_*TIMEOUT still decides when set.
    explicit = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") or os.environ.get("OTEL_EXPORTER_OTLP_TIMEOUT")
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter() if explicit else OTLPSpanExporter(timeout=3)))
    carrier = {k: os.environ[v] for k, v in (("traceparent", "TRACEPARENT"), ("tracestate", "TRACESTATE")) if os.environ.get(v)}
    parent = TraceContextTextMapPropagator().extract(carrier)
    attributes: dict[str, Any] = {"refinery.trainer.verb": verb}
    if os.environ.get("REFINERY_RUN_ID"):
        attributes["refinery.run_id"] = os.environ["REFINERY_RUN_ID"]
    try:
        with provider.get_tracer("refinery_trainer").start_as_current_span(f"trainer {verb}", context=parent, attributes=attributes) as span:
            _span = span
            yield span
    finally:
        _span = None
        provider.shutdown()  # sends the span before the process exits


def observe(event: str, fields: dict[str, Any]) -> None:
    """Copies the counts of a protocol event onto the open span (a no-op without one)."""
    span = _span
    if span is None:
        return
    if event == "start" and isinstance(fields.get("total_steps"), int):
        span.set_attribute("refinery.trainer.total_steps", fields["total_steps"])
    elif event == "step" and isinstance(fields.get("step"), int):
        span.set_attribute("refinery.trainer.steps", fields["step"])
    elif event in ("done", "cancelled", "error"):
        span.set_attribute("refinery.trainer.outcome", event)
        if isinstance(fields.get("step"), int):
            span.set_attribute("refinery.trainer.steps", fields["step"])
        if isinstance(fields.get("real_tokens"), int):
            span.set_attribute("refinery.trainer.tokens", fields["real_tokens"])
        if isinstance(fields.get("examples"), int):
            span.set_attribute("refinery.trainer.examples", fields["examples"])
        if event == "error":
            from opentelemetry.trace import Status, StatusCode
            span.set_status(Status(StatusCode.ERROR, f"trainer error ({fields.get('kind', 'runtime')})"))


def record_exit(code: int) -> None:
    if _span is not None:
        _span.set_attribute("process.exit.code", code)
