"""A tiny OTLP/HTTP trace receiver for the integration suite: POST /v1/traces in protobuf (the
Python trainer's exporter) or JSON (the Node exporters), each span appended to a JSON Lines file as
{traceId, spanId, parentSpanId, name, kind, service, attributes, startTimeUnixNano, endTimeUnixNano,
status}, ids in lowercase hex. Run with the trainer venv's python (opentelemetry-proto decodes the
protobuf): `python otlp-receiver.py --out spans.jsonl [--port 0]`; prints `listening on <url>`.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse


def _json_value(v: dict):
    """An OTLP/JSON AnyValue ({stringValue: ...}) as a plain value."""
    if "arrayValue" in v:
        return [_json_value(x) for x in v["arrayValue"].get("values", [])]
    if "kvlistValue" in v:
        return {kv["key"]: _json_value(kv.get("value", {})) for kv in v["kvlistValue"].get("values", [])}
    for key in ("stringValue", "boolValue", "doubleValue", "bytesValue"):
        if key in v:
            return v[key]
    if "intValue" in v:
        return int(v["intValue"])  # a string in proto3 JSON, a number from some encoders
    return None


def _attributes(items: list[dict]) -> dict:
    return {kv["key"]: _json_value(kv.get("value", {})) for kv in items or []}


def spans_from_json(body: dict) -> list[dict]:
    """OTLP/JSON: ids are hex strings (not proto3 JSON's base64)."""
    out = []
    for rs in body.get("resourceSpans", []):
        resource = _attributes(rs.get("resource", {}).get("attributes", []))
        for ss in rs.get("scopeSpans", []):
            for s in ss.get("spans", []):
                out.append({
                    "traceId": s.get("traceId", "").lower(), "spanId": s.get("spanId", "").lower(),
                    "parentSpanId": (s.get("parentSpanId") or "").lower() or None,
                    "name": s.get("name"), "kind": s.get("kind"), "service": resource.get("service.name"),
                    "attributes": _attributes(s.get("attributes", [])),
                    "startTimeUnixNano": int(s.get("startTimeUnixNano", 0)), "endTimeUnixNano": int(s.get("endTimeUnixNano", 0)),
                    "status": s.get("status", {}),
                })
    return out


def spans_from_protobuf(data: bytes) -> list[dict]:
    request = ExportTraceServiceRequest.FromString(data)
    out = []
    for rs in request.resource_spans:
        resource = _attributes(MessageToDict(rs.resource).get("attributes", []))
        for ss in rs.scope_spans:
            for s in ss.spans:
                out.append({
                    "traceId": s.trace_id.hex(), "spanId": s.span_id.hex(), "parentSpanId": s.parent_span_id.hex() or None,
                    "name": s.name, "kind": int(s.kind), "service": resource.get("service.name"),
                    "attributes": _attributes(MessageToDict(s).get("attributes", [])),
                    "startTimeUnixNano": s.start_time_unix_nano, "endTimeUnixNano": s.end_time_unix_nano,
                    "status": MessageToDict(s.status),
                })
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="JSON Lines file the spans are appended to")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    args = parser.parse_args()
    out = open(args.out, "a", encoding="utf-8")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _body(self) -> bytes:
            if self.headers.get("transfer-encoding", "").lower() != "chunked":
                return self.rfile.read(int(self.headers.get("content-length") or 0))
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk (and after the last, empty one)
                if size == 0:
                    return b"".join(chunks)

        def do_POST(self):  # noqa: N802 - http.server's naming
            if self.path.rstrip("/") != "/v1/traces":
                self.send_error(404, "only /v1/traces")
                return
            data = self._body()
            if self.headers.get("content-encoding") == "gzip":
                data = gzip.decompress(data)
            is_json = "json" in (self.headers.get("content-type") or "")
            try:
                spans = spans_from_json(json.loads(data)) if is_json else spans_from_protobuf(data)
            except Exception as e:  # noqa: BLE001 - a bad export is the sender's bug: say what it was
                self.send_error(400, f"undecodable OTLP trace export: {type(e).__name__}: {e}")
                return
            with lock:
                for span in spans:
                    out.write(json.dumps(span, separators=(",", ":")) + "\n")
                out.flush()
            body = b"{}" if is_json else ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("content-type", "application/json" if is_json else "application/x-protobuf")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 - quiet: one line per export would flood the stack log
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
