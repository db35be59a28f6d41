"""A reference audience receiver implementing the webhook protocol of DESIGN §7, with scriptable faults.

It keeps the audience in memory (adds upsert a contact, removes delete it), applies each
Idempotency-Key once (a repeat with the same body is answered 200 again without being applied; with
another body, 422) and records anything applied twice. Tests and the export benchmark start it on
127.0.0.1; you can also run it to try an export by hand:

    python -m segment_warehouse.exports.receiver --port 8765 --token secret
    SEGMENTS_WEBHOOK_URL=http://127.0.0.1:8765/audience SEGMENTS_WEBHOOK_TOKEN=secret segments export winback_whatsapp

Faults (for tests): a queue of faults applied to the next requests in arrival order — `ok` (no fault),
`429`/`503` (with Retry-After), `500`, `slow` (apply, then answer after a delay longer than the
client's timeout), `drop` (close the connection without an answer, nothing applied),
`drop_after_apply` — plus customer ids whose presence in a batch makes it answer 400, and delays
before applying and before answering every request.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = ("ok", "429", "503", "500", "slow", "drop", "drop_after_apply")


@dataclass(frozen=True)
class Fault:
    kind: str
    #: Retry-After seconds for 429/503; the delay for `slow`
    seconds: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in FAULTS:
            raise ValueError(f"unknown fault {self.kind!r}; choose from {', '.join(FAULTS)}")


@dataclass
class ReceiverLog:
    """Everything a test may want to assert on (read it under `AudienceReceiver.lock`)."""

    audience: dict[str, dict] = field(default_factory=dict)
    #: Idempotency-Key → SHA-256 of the body it was applied with
    applied_keys: dict[str, str] = field(default_factory=dict)
    #: keys sent again after being applied (answered, not re-applied)
    replays: Counter = field(default_factory=Counter)
    #: keys re-used with a different body (a client bug)
    key_conflicts: list[str] = field(default_factory=list)
    #: (operation, customer_id, key) applied to no effect: an add of an identical record already held,
    #: a remove of an absent one
    applied_twice: list[tuple[str, str, str]] = field(default_factory=list)
    #: operation applications per customer
    applications: Counter = field(default_factory=Counter)
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    rejected_customer_ids: list[str] = field(default_factory=list)
    #: records applied, by operation
    applied_records: Counter = field(default_factory=Counter)
    #: (arrival time.monotonic(), Idempotency-Key, status; 0 = connection dropped) per request
    history: list[tuple[float, str | None, int]] = field(default_factory=list)
    #: Authorization header values seen (None when absent)
    authorizations: set[str | None] = field(default_factory=set)


class AudienceReceiver:
    """A threaded HTTP server on 127.0.0.1 holding one audience per receiver."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        reject_customer_ids: set[str] | None = None,
        answer_delay: float = 0.0,
        apply_delay: float = 0.0,
    ) -> None:
        self.token = token
        self.reject_customer_ids = set(reject_customer_ids or ())
        #: seconds to wait before applying a request (slows the sender down)
        self.apply_delay = apply_delay
        #: seconds to wait after applying, before answering (the window where a crash loses the answer)
        self.answer_delay = answer_delay
        self.faults: deque[Fault] = deque()
        self.lock = threading.Lock()
        self.log = ReceiverLog()
        self._server = _Server((host, port), _Handler)
        self._server.receiver = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/audience"

    def start(self) -> AudienceReceiver:
        self._thread = threading.Thread(target=self._server.serve_forever, name="audience-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> AudienceReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, *faults: Fault | str) -> None:
        """Queue faults for the next requests, in order."""
        with self.lock:
            self.faults.extend(f if isinstance(f, Fault) else Fault(f) for f in faults)

    def audience_ids(self) -> set[str]:
        with self.lock:
            return set(self.log.audience)

    # --- the protocol -------------------------------------------------------------------------

    def handle(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, str], dict[str, Any] | None, str]:
        """Decide the answer to one request: (status, headers, JSON answer, action) where action is
        `answer`, `drop` (close without answering) or `slow` (answer after the fault's delay)."""
        arrived = time.monotonic()
        with self.lock:
            self.log.requests += 1
            self.log.authorizations.add(headers.get("authorization"))
            fault = self.faults.popleft() if self.faults else None
        decision = self._decide(headers, raw, fault)
        with self.lock:
            self.log.history.append((arrived, headers.get("idempotency-key"), decision[0]))
        return decision

    def _decide(
        self, headers: dict[str, str], raw: bytes, fault: Fault | None
    ) -> tuple[int, dict[str, str], dict[str, Any] | None, str]:
        if fault is not None and fault.kind in ("429", "503"):
            return self._answer(int(fault.kind), {"error": "throttled"}, {"Retry-After": f"{fault.seconds:g}"})
        if fault is not None and fault.kind == "500":
            return self._answer(500, {"error": "internal error (injected)"})
        if fault is not None and fault.kind == "drop":
            return 0, {}, None, "drop"
        if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
            return self._answer(401, {"error": "missing or wrong bearer token"})
        key = headers.get("idempotency-key")
        if not key:
            return self._answer(400, {"error": "Idempotency-Key header is required"})
        try:
            body = json.loads(raw)
            operation = body["operation"]
            records = body["records"]
            if operation not in ("add", "remove") or not isinstance(records, list):
                raise ValueError(operation)
            for name in ("export", "segment", "as_of_date"):
                body[name]
            ids = [str(r["customer_id"]) for r in records]
        except (ValueError, KeyError, TypeError) as exc:
            return self._answer(400, {"error": f"malformed body: {exc}"})
        digest = hashlib.sha256(raw).hexdigest()
        rejected = sorted(self.reject_customer_ids.intersection(ids))
        if rejected:
            with self.lock:
                self.log.rejected_customer_ids.extend(rejected)
            return self._answer(400, {"error": "invalid records", "customer_ids": rejected})
        if self.apply_delay:
            time.sleep(self.apply_delay)
        with self.lock:
            known = self.log.applied_keys.get(key)
            if known is not None:
                if known != digest:
                    self.log.key_conflicts.append(key)
                    return self._answer_locked(422, {"error": "Idempotency-Key reused with another body"})
                self.log.replays[key] += 1
                return self._answer_locked(200, {"status": "already applied", "records": len(records)})
            self.log.applied_keys[key] = digest
            self.log.applied_records[operation] += len(records)
            audience = self.log.audience
            for record, customer_id in zip(records, ids, strict=True):
                self.log.applications[(operation, customer_id)] += 1
                if operation == "add":
                    if audience.get(customer_id) == record:
                        self.log.applied_twice.append((operation, customer_id, key))
                    audience[customer_id] = record
                else:
                    if customer_id not in audience:
                        self.log.applied_twice.append((operation, customer_id, key))
                    audience.pop(customer_id, None)
        if fault is not None and fault.kind == "drop_after_apply":
            return 0, {}, None, "drop"
        if fault is not None and fault.kind == "slow":
            status, extra, answer, _ = self._answer(200, {"status": "applied", "records": len(records)})
            return status, {**extra, "X-Slow": f"{fault.seconds:g}"}, answer, "slow"
        if self.answer_delay:
            time.sleep(self.answer_delay)
        return self._answer(200, {"status": "applied", "records": len(records)})

    def _answer(
        self, status: int, answer: dict[str, Any], extra: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], dict[str, Any], str]:
        with self.lock:
            return self._answer_locked(status, answer, extra)

    def _answer_locked(
        self, status: int, answer: dict[str, Any], extra: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], dict[str, Any], str]:
        self.log.statuses[status] += 1
        return status, dict(extra or {}), answer, "answer"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    receiver: AudienceReceiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        # clients that time out or are killed close their connections: not worth a traceback
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # without TCP_NODELAY, Nagle + delayed ACK stall every keep-alive answer by ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        """`GET /health`: 200 when the receiver is up (for scripts waiting for it)."""
        payload = b'{"status": "ok"}' if self.path == "/health" else b'{"error": "POST the audience here"}'
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, extra, answer, action = self.server.receiver.handle(headers, raw)
        if action == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if action == "slow":
            time.sleep(float(extra.pop("X-Slow")))
        payload = json.dumps(answer).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reference audience receiver for the webhook export protocol.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default=None, help="require this bearer token")
    args = parser.parse_args(argv)
    receiver = AudienceReceiver(port=args.port, token=args.token).start()
    print(f"receiving on {receiver.url} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(5)
            with receiver.lock:
                log = receiver.log
                print(
                    f"audience {len(log.audience)}, requests {log.requests}, keys applied {len(log.applied_keys)}, "
                    f"replays {sum(log.replays.values())}, statuses {dict(log.statuses)}",
                    flush=True,
                )
    except KeyboardInterrupt:
        receiver.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
