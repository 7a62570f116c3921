"""A tiny, deterministic OpenAI-compatible HTTP server for tests (standard library only).

It is a real HTTP/1.1 server on 127.0.0.1 (ephemeral port) that speaks the OpenAI wire format
well enough for the real ``openai`` client: chat completions (plain and SSE streaming, with
usage), embeddings (float and base64 encodings) and the model list. Every request is recorded
so tests can assert on what was sent; replies are scripted with :class:`Reply`::

    with FakeOpenAI() as fake:
        fake.queue(Reply(kind="status", status=429), Reply(text="Paris."))
        client = openai.OpenAI(base_url=fake.base_url, api_key="test", max_retries=1)
        ...
        assert fake.requests[-1]["body"]["messages"][0]["content"] == "..."

Each request to a known endpoint consumes the next queued reply (then ``default``), whichever
endpoint it is. Unknown paths get a 404 in OpenAI's error shape and consume nothing.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import math
import socket
import socketserver
import struct
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL_ID = "fake-model"

_ERROR_KINDS = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", "internal_error"),
    502: ("server_error", "bad_gateway"),
    503: ("server_error", "service_unavailable"),
}


@dataclass
class Reply:
    """One scripted answer. ``kind`` is one of text | status | hang | malformed | drop |
    unterminated (the body ends cleanly without a finish chunk or [DONE]) | trickle (SSE
    keep-alive comments every ``chunk_delay_s`` for ``delay_s``, then the text)."""

    kind: str = "text"
    text: str = ""          # kind="text"/"hang": the assistant content
    status: int = 200       # kind="status": HTTP status of the JSON error reply
    delay_s: float = 0.0    # "hang": sleep before answering; "text": delay before the first byte
    chunk_chars: int = 7    # streaming: characters of content per SSE chunk
    chunk_delay_s: float = 0.0  # streaming: pause after each content chunk (a slow model)

    def __post_init__(self) -> None:
        if self.kind not in ("text", "status", "hang", "malformed", "drop", "unterminated",
                             "trickle"):
            raise ValueError(f"unknown reply kind: {self.kind!r}")


def _words(text: str) -> int:
    return len(text.split())


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def prompt_tokens(body: Any) -> int:
    """Deterministic token estimate for a chat request: words of all message contents."""
    messages = body.get("messages", []) if isinstance(body, dict) else []
    return sum(_words(_content_text(m.get("content"))) for m in messages if isinstance(m, dict))


def embedding_for(item: Any, dim: int = 8) -> list[float]:
    """The fake's embedding of one input (a string, or a list of token ids): a unit vector
    derived from SHA-256, with every component exactly representable as float32 (so the
    ``float`` and ``base64`` encodings decode to identical values)."""
    key = item if isinstance(item, str) else json.dumps(item)
    raw: list[float] = []
    for block in itertools.count():
        digest = hashlib.sha256(f"{block}\x00{key}".encode()).digest()
        for (n,) in struct.iter_unpack("<I", digest):
            raw.append(n / 2**31 - 1.0)
        if len(raw) >= dim:
            break
    raw = raw[:dim]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [struct.unpack("<f", struct.pack("<f", x / norm))[0] for x in raw]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() closes connections itself; never wait on a hanging handler
    fake: FakeOpenAI

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skip HTTPServer's reverse-DNS lookup
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away is normal here (timeouts, dropped streams); anything else is
        # a bug in the fake, so let the default handler print it.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.fake._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.fake._serve(self, "GET")

    def do_POST(self) -> None:
        self.server.fake._serve(self, "POST")

    def do_DELETE(self) -> None:
        self.server.fake._serve(self, "DELETE")


class FakeOpenAI:
    """See the module docstring. Use as a context manager, or call start()/stop()."""

    def __init__(self, replies: list[Reply] | None = None, default: Reply | None = None,
                 embedding_dim: int = 8) -> None:
        self.default = default if default is not None else Reply(text="OK")
        self.embedding_dim = embedding_dim
        self.requests: list[dict[str, Any]] = []
        self._queue: deque[Reply] = deque(replies or [])
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._conns: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)

    # -- public interface -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeOpenAI is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def start(self) -> FakeOpenAI:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in "hang"/delays
        server.shutdown()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:  # idle keep-alive connections would otherwise linger
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals --------------------------------------------------------------------------

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def _serve(self, h: _Handler, method: str) -> None:
        try:
            length = int(h.headers.get("content-length") or 0)
            raw = h.rfile.read(length) if length else b""
            body: Any
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            path = h.path.split("?", 1)[0]
            with self._lock:
                self.requests.append({
                    "method": method,
                    "path": path,
                    "headers": {k.lower(): v for k, v in h.headers.items()},
                    "body": body,
                })
            endpoint = {
                ("POST", "/v1/chat/completions"): "chat",
                ("POST", "/v1/embeddings"): "embeddings",
                ("GET", "/v1/models"): "models",
            }.get((method, path))
            if endpoint is None:
                self._send_error(h, 404, f"Unknown request URL: {method} {path}")
                return
            self._answer(h, endpoint, body if isinstance(body, dict) else {}, self._next_reply())
        except OSError:  # the client went away (timed out, or the server is stopping)
            h.close_connection = True

    def _answer(self, h: _Handler, endpoint: str, body: dict[str, Any], reply: Reply) -> None:
        stream = endpoint == "chat" and body.get("stream") is True
        if reply.kind == "status":
            self._send_error(h, reply.status, f"fake error {reply.status}")
            return
        if reply.kind in ("hang", "text") and reply.delay_s > 0 and \
                self._stopping.wait(reply.delay_s):
            h.close_connection = True  # server stopping: give up quietly
            return
        if stream:
            self._stream_chat(h, body, reply)
            return
        if reply.kind == "malformed":
            self._send_bytes(h, 200, b'{"id": "chatcmpl-broken", "choices": [ this is not JSON')
            return
        if endpoint == "chat":
            payload = self._chat_completion(body, reply.text)
        elif endpoint == "embeddings":
            payload = self._embeddings(body)
        else:
            payload = {"object": "list", "data": [
                {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "docqa-tests"}]}
        data = json.dumps(payload).encode()
        if reply.kind == "drop":  # promise the full body, send half, hang up
            self._send_bytes(h, 200, data, truncate_at=len(data) // 2)
            return
        self._send_bytes(h, 200, data)

    # -- payloads ---------------------------------------------------------------------------

    def _chat_completion(self, body: dict[str, Any], text: str) -> dict[str, Any]:
        p, c = prompt_tokens(body), _words(text)
        return {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", MODEL_ID),
            "system_fingerprint": None,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }],
            "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
        }

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        inp = body.get("input", [])
        if isinstance(inp, str) or (isinstance(inp, list) and inp and isinstance(inp[0], int)):
            items: list[Any] = [inp]  # one string, or one list of token ids
        else:
            items = list(inp) if isinstance(inp, list) else [inp]
        dim = int(body.get("dimensions") or self.embedding_dim)
        b64 = body.get("encoding_format") == "base64"
        data = []
        for i, item in enumerate(items):
            vec = embedding_for(item, dim)
            emb: Any = base64.b64encode(struct.pack(f"<{dim}f", *vec)).decode() if b64 else vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        tokens = sum(_words(x) if isinstance(x, str) else len(x) for x in items)
        return {"object": "list", "data": data, "model": body.get("model", MODEL_ID),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}

    # -- wire -------------------------------------------------------------------------------

    def _headers(self, h: _Handler, status: int, extra: dict[str, str]) -> None:
        h.send_response(status)
        h.send_header("x-request-id", f"req_fake_{next(self._ids)}")
        for k, v in extra.items():
            h.send_header(k, v)
        h.end_headers()

    def _send_bytes(self, h: _Handler, status: int, data: bytes, *,
                    headers: dict[str, str] | None = None, truncate_at: int | None = None) -> None:
        self._headers(h, status, {"content-type": "application/json",
                                  "content-length": str(len(data)), **(headers or {})})
        if truncate_at is None:
            h.wfile.write(data)
        else:
            h.wfile.write(data[:truncate_at])
            h.close_connection = True

    def _send_error(self, h: _Handler, status: int, message: str) -> None:
        etype, code = _ERROR_KINDS.get(status, ("server_error" if status >= 500
                                                else "invalid_request_error", f"http_{status}"))
        data = json.dumps({"error": {"message": message, "type": etype, "param": None,
                                     "code": code}}).encode()
        self._send_bytes(h, status, data, headers={"retry-after": "0"} if status == 429 else None)

    def _stream_chat(self, h: _Handler, body: dict[str, Any], reply: Reply) -> None:
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        cid, created = f"chatcmpl-fake-{next(self._ids)}", int(time.time())
        model = body.get("model", MODEL_ID)

        def chunk(choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> bytes:
            obj: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk",
                                   "created": created, "model": model,
                                   "system_fingerprint": None, "choices": choices}
            if include_usage:
                obj["usage"] = usage
            return b"data: " + json.dumps(obj).encode() + b"\n\n"

        def delta(d: dict[str, Any], finish: str | None = None) -> bytes:
            return chunk([{"index": 0, "delta": d, "logprobs": None, "finish_reason": finish}])

        def send(data: bytes) -> None:
            h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

        self._headers(h, 200, {"content-type": "text/event-stream; charset=utf-8",
                               "cache-control": "no-cache", "transfer-encoding": "chunked"})
        if reply.kind == "malformed":
            send(b'data: {"id": "chatcmpl-broken", "choices": [{"delta": \n\n')
            h.wfile.write(b"0\r\n\r\n")
            h.close_connection = True
            return
        send(delta({"role": "assistant", "content": "", "refusal": None}))
        if reply.kind == "trickle":
            until = time.monotonic() + reply.delay_s
            while time.monotonic() < until:
                try:
                    send(b": keep-alive\n\n")
                    h.wfile.flush()
                except OSError:  # the client hung up (its deadline)
                    return
                time.sleep(reply.chunk_delay_s or 0.2)
        text, step = reply.text, reply.chunk_chars if reply.chunk_chars > 0 else len(reply.text)
        for start in range(0, len(text), max(step, 1)):
            send(delta({"content": text[start:start + step]}))
            h.wfile.flush()
            if reply.chunk_delay_s:
                time.sleep(reply.chunk_delay_s)
            if reply.kind == "drop":  # hang up without the terminating chunk
                h.close_connection = True
                return
        if reply.kind == "drop":  # empty text: drop after the role chunk
            h.close_connection = True
            return
        if reply.kind == "unterminated":  # a clean end of the body, but no end of the reply
            h.wfile.write(b"0\r\n\r\n")
            return
        send(delta({}, finish="stop"))
        if include_usage:
            p, c = prompt_tokens(body), _words(text)
            send(chunk([], {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}))
        send(b"data: [DONE]\n\n")
        h.wfile.write(b"0\r\n\r\n")
