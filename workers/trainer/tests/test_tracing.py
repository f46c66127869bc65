"""The trainer's span: under the worker's TRACEPARENT, with counts and outcome, sent over OTLP/HTTP
to the suite's receiver (test/support/otlp-receiver.py) when an endpoint is set; nothing otherwise."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, trainer_cmd, trainer_env

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"


@pytest.fixture
def receiver(tmp_path: Path):
    spans = tmp_path / "spans.jsonl"
    proc = subprocess.Popen([sys.executable, str(REPO / "test/support/otlp-receiver.py"), "--out", str(spans), "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    yield line.split()[-1], spans
    proc.terminate()
    proc.wait(timeout=10)


def traced_env(endpoint: str | None) -> dict[str, str]:
    env = {k: v for k, v in trainer_env().items() if not k.startswith("OTEL_")}
    if endpoint:
        env.update(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, TRACEPARENT=TRACEPARENT, REFINERY_RUN_ID="run_trace_test")
    return env


def received(spans: Path, timeout_s: float = 10.0) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if spans.exists() and spans.read_text().strip():
            return [json.loads(line) for line in spans.read_text().splitlines()]
        time.sleep(0.1)
    return []


def test_a_verb_continues_the_workers_trace_and_records_its_outcome(receiver, tmp_path: Path):
    endpoint, spans = receiver
    missing = tmp_path / "no-such-config.json"
    proc = subprocess.run(trainer_cmd(missing, "merge"), capture_output=True, text=True, env=traced_env(endpoint), timeout=300)
    assert proc.returncode == 2, proc.stderr  # invalid input: the config file does not exist
    [span] = received(spans)  # the span left before the process exited
    assert span["name"] == "trainer merge" and span["service"] == "refinery-trainer"
    assert (span["traceId"], span["parentSpanId"]) == (TRACE_ID, PARENT_SPAN_ID)
    assert span["attributes"] == {"refinery.trainer.verb": "merge", "refinery.run_id": "run_trace_test",
                                  "refinery.trainer.outcome": "error", "process.exit.code": 2}
    assert span["status"]["code"] == "STATUS_CODE_ERROR"
    assert "no-such-config" not in json.dumps(span)  # the error's message (it may quote data) stays out


def test_counts_come_from_the_protocol_events(receiver):
    endpoint, spans = receiver
    script = ("from refinery_trainer import tracing\nfrom refinery_trainer.progress import emit\n"
              "with tracing.verb_span('train'):\n"
              "    emit('start', total_steps=3)\n    emit('step', step=1)\n    emit('step', step=3)\n"
              "    emit('done', step=3, real_tokens=1234)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=traced_env(endpoint), timeout=120)
    assert proc.returncode == 0, proc.stderr
    [span] = received(spans)
    assert span["traceId"] == TRACE_ID
    assert {k: span["attributes"].get(k) for k in ("refinery.trainer.total_steps", "refinery.trainer.steps", "refinery.trainer.tokens", "refinery.trainer.outcome")} == {
        "refinery.trainer.total_steps": 3, "refinery.trainer.steps": 3, "refinery.trainer.tokens": 1234, "refinery.trainer.outcome": "done"}


def test_without_an_endpoint_nothing_is_imported_or_sent():
    script = ("import sys\nfrom refinery_trainer import tracing\n"
              "with tracing.verb_span('train') as span:\n"
              "    print(span is None, any(m.startswith('opentelemetry') for m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=traced_env(None), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "False"]
