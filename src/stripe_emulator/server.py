"""The HTTP boundary: Stripe's wire protocol in front of the store.

Built on the standard library's threading HTTP server rather than a web framework because
fault injection needs the socket itself: a connection reset or an answer that never comes
after the change was applied cannot be expressed through ASGI. Every request is handled in
three layers: authentication and headers, idempotency, then the handler under the store's
lock (clock-driven work that came due runs first, so expiries happen before anyone looks).
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import re
import socket
import struct
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from stripe_emulator import resources
from stripe_emulator.context import API_VERSION, Ctx
from stripe_emulator.errors import StripeError, invalid
from stripe_emulator.params import Params, decode_form, decode_json
from stripe_emulator.routing import Page, Redirect, Router, api, control, pages
from stripe_emulator.store import TASKS, Clock, Saved, Store, new_request_id

# Functions run when an emulator starts (the webhook delivery engine) and after a reset;
# defined before the resource modules load so that they can register at import time.
STARTERS: list[Any] = []
RESETTERS: list[Any] = []

resources.load_all()

VERSION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z_]+)?$")
IDEMPOTENCY_TTL = 24 * 3600


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    action: str | None = None  # "reset": close with RST; "hang": never answer


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, indent=2).encode()
    return Response(status, body, {"Content-Type": "application/json", **(headers or {})})


class Emulator:
    """The emulator as an object: ``with Emulator(port=0) as emulator: emulator.url``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 12111,
        *,
        state_file: Path | None = None,
        clock: Clock | None = None,
        public_url: str | None = None,
    ) -> None:
        self.store = Store(clock)
        self.state_file = state_file
        if state_file is not None:
            state_file.parent.mkdir(parents=True, exist_ok=True)
            self.store.load_from(state_file)
        self.httpd = _Server((host, port), _Handler)
        self.httpd.emulator = self
        bound_host, bound_port = self.httpd.server_address[:2]
        self.url = public_url or f"http://{bound_host!s}:{bound_port}"
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.in_flight_lock = threading.Lock()
        # Called with (method, path, response) after every request: the fidelity tests
        # check each body the emulator sends against the SDK's declared fields.
        self.observers: list[Any] = []

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> Emulator:
        for target in (self.httpd.serve_forever, self._tick):
            thread = threading.Thread(target=target, daemon=True, name="stripe-emulator")
            thread.start()
            self._threads.append(thread)
        for starter in STARTERS:
            starter(self)
        return self

    def serve_forever(self) -> None:
        """Run in the foreground until interrupted (the console script)."""
        self.start()
        try:
            while not self._stopping.wait(1.0):
                pass
        finally:
            self.stop()

    def stop(self) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.save()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def stopping(self) -> threading.Event:
        return self._stopping

    def _tick(self) -> None:
        while not self._stopping.wait(0.5):
            with self.store.lock:
                self.run_due()

    # --- in-process control (what tests use without HTTP) ---------------------------------

    def ctx(self, account: str | None = None) -> Ctx:
        return Ctx(self.store, account or self.store.platform, self.url)

    def run_due(self) -> None:
        """Run every clock-driven task that has come due, oldest first."""
        with self.store.lock:
            while (due := self.store.due(self.store.clock.now())) is not None:
                account = due.args.get("account") or self.store.platform
                TASKS[due.kind](self.ctx(account), due.args)

    def advance(self, seconds: int) -> int:
        with self.store.lock:
            now = self.store.clock.advance(seconds)
            self.run_due()
            return now

    def reset(self) -> None:
        self.store.reset()
        for starter in RESETTERS:
            starter(self)

    def register_webhook(
        self, url: str, secret: str | None = None, *, connect: bool = False
    ) -> str:
        """Add a webhook endpoint for every event (what ``--webhook`` does); returns its
        signing secret, which the receiving application needs."""
        from stripe_emulator.resources import webhook_endpoints

        with self.store.lock:
            secret_used: str = webhook_endpoints.register(self.ctx(), url, secret, connect=connect)
            return secret_used

    def save(self) -> None:
        if self.state_file is not None:
            with self.store.lock:
                self.store.save_to(self.state_file)

    # --- requests ---------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        split = urlsplit(target)
        path = split.path.rstrip("/") or "/"
        request_id = new_request_id()
        try:
            if path.startswith("/v1/") or path.startswith("/v2/"):
                response = self._api(method, path, split.query, headers, body, request_id)
            else:
                response = self._local(method, path, split.query, headers, body, request_id)
        except StripeError as error:
            response = json_response(error.status, error.body(request_id), error.headers)
        except Exception:  # a bug in the emulator: Stripe's 500, and the trace on stderr
            traceback.print_exc()
            failure = StripeError(500, "api_error", "An unknown error occurred in the emulator.")
            response = json_response(500, failure.body(request_id))
        response.headers.setdefault("Request-Id", request_id)
        for observe in self.observers:
            observe(method, path, response)
        return response

    def _params(self, method: str, query: str, headers: dict[str, str], body: bytes) -> Params:
        if method in ("GET", "DELETE") or not body:
            return Params(decode_form(query))
        if headers.get("content-type", "").startswith("application/json"):
            return Params(decode_json(body))
        tree = decode_form(body.decode("utf-8", "replace"))
        if query:
            tree = {**decode_form(query), **tree}
        return Params(tree)

    def _local(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> Response:
        router: Router = control if path.startswith("/_emulator") else pages
        found = router.resolve(method, path)
        if found is None:
            return _unrecognized(method, path)
        route, values = found
        params = self._params(method, query, headers, body)
        with self.store.lock:
            self.run_due()
            result = route.handler(self.ctx(), params, **values)
            self.save_if_changed(None)
        return _render(result)

    def _api(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> Response:
        _authenticate(headers)
        version = headers.get("stripe-version") or API_VERSION
        if not VERSION_PATTERN.match(version):
            raise invalid(f"Invalid Stripe API version: {version}")
        found = api.resolve(method, path)
        if found is None:
            return _unrecognized(method, path)
        route, values = found
        params = self._params(method, query, headers, body)
        account = headers.get("stripe-account") or self.store.platform
        key = headers.get("idempotency-key") if method == "POST" else None
        fault = self._fault(method, path)
        hold = 0.0  # a latency fault on a keyed request is slow work with the key in flight
        if fault and key and fault.get("kind") == "latency" and not fault.get("after_apply"):
            hold, fault = int(fault.get("latency_ms", 1000)) / 1000, None
        if fault is not None and not fault.get("after_apply"):
            response = self._apply_fault(fault, before=True)
            if response is not None:
                return response
        ctx = Ctx(self.store, account, self.url, request_id, key, version)
        if key is None:
            response = self._execute(ctx, route.handler, params, values)
        else:
            response = self._idempotent(ctx, method, path, params, key, route.handler, values, hold)
        response.headers.setdefault("Stripe-Version", version)
        if key is not None:
            response.headers["Idempotency-Key"] = key
        if fault is not None and fault.get("after_apply"):
            return self._apply_fault(fault, before=False) or response
        return response

    def _execute(self, ctx: Ctx, handler: Any, params: Params, values: dict[str, str]) -> Response:
        with self.store.lock:
            self.run_due()
            before = self.store.version
            if ctx.account != self.store.platform:
                _check_account(self.store, ctx.account)
            try:
                result = handler(ctx, params, **values)
                response = json_response(200, result)
            except StripeError as error:
                response = json_response(error.status, error.body(ctx.request_id), error.headers)
            response.headers["X-Emulator-Changed"] = "1" if self.store.version != before else "0"
            self.save_if_changed(before)
            return response

    def _idempotent(
        self,
        ctx: Ctx,
        method: str,
        path: str,
        params: Params,
        key: str,
        handler: Any,
        values: dict[str, str],
        hold: float = 0.0,
    ) -> Response:
        if len(key) > 255:
            raise invalid("Idempotency keys can be at most 255 characters long.", None)
        scope = f"{ctx.account}:{key}"
        digest = hashlib.sha256(json.dumps(params.data, sort_keys=True).encode()).hexdigest()
        with self.in_flight_lock:
            if scope in self.store.in_flight:
                raise StripeError(
                    409,
                    "idempotency_error",
                    "There is currently another in-progress request using this Idempotent "
                    f"Key (that probably means you submitted twice, and the other request "
                    f"is still going through): {key}. Please try again later.",
                    code="idempotency_key_in_use",
                )
            saved = self.store.idempotency.get(scope)
            if saved is not None and saved.created < self.store.clock.now() - IDEMPOTENCY_TTL:
                saved = None
            if saved is None:
                self.store.in_flight.add(scope)
        if saved is not None:
            return _replay(saved, path, digest, key)
        try:
            time.sleep(hold)
            response = self._execute(ctx, handler, params, values)
            if response.status < 400 or response.headers.get("X-Emulator-Changed") == "1":
                with self.store.lock:
                    self.store.idempotency[scope] = Saved(
                        method,
                        path,
                        digest,
                        response.status,
                        response.body.decode(),
                        ctx.request_id or "",
                        self.store.clock.now(),
                    )
            return response
        finally:
            with self.in_flight_lock:
                self.store.in_flight.discard(scope)

    def save_if_changed(self, before: int | None) -> None:
        if self.state_file is not None and (before is None or self.store.version != before):
            self.store.save_to(self.state_file)

    # --- fault injection ----------------------------------------------------------------

    def _fault(self, method: str, path: str) -> dict[str, Any] | None:
        with self.store.lock:
            for fault in self.store.faults:
                if fault.get("method", method) in (method, "*") and fnmatch.fnmatchcase(
                    path, fault.get("path", "*")
                ):
                    fault["remaining"] = fault.get("remaining", 1) - 1
                    if fault["remaining"] <= 0:
                        self.store.faults.remove(fault)
                    return fault
        return None

    def _apply_fault(self, fault: dict[str, Any], *, before: bool) -> Response | None:
        kind = fault.get("kind", "error")
        if kind == "latency":
            time.sleep(int(fault.get("latency_ms", 1000)) / 1000)
            return None
        if kind == "reset":
            return Response(0, action="reset")
        if kind == "hang":
            time.sleep(int(fault.get("hang_ms", 5000)) / 1000)
            return Response(0, action="reset")
        status = int(fault.get("status", 500))
        if status == 429:
            error = StripeError(
                429,
                "invalid_request_error",
                "Request rate limit exceeded. Learn more about rate limits here "
                "https://stripe.com/docs/rate-limits.",
                code="rate_limit",
            )
        else:
            error = StripeError(
                status, "api_error", "An unknown error occurred (injected by the emulator)."
            )
        return json_response(status, error.body())


def _authenticate(headers: dict[str, str]) -> None:
    header = headers.get("authorization", "")
    key = ""
    if header.lower().startswith("bearer "):
        key = header[7:].strip()
    elif header.lower().startswith("basic "):
        try:
            key = base64.b64decode(header[6:].strip()).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            key = ""
    if not key:
        raise StripeError(
            401,
            "invalid_request_error",
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY').",
        )
    if key.startswith("pk_test_"):
        raise StripeError(
            403,
            "invalid_request_error",
            "This API call cannot be made with a publishable API key. Please use a secret "
            "API key. You can find a list of your API keys at "
            "https://dashboard.stripe.com/account/apikeys.",
            code="secret_key_required",
        )
    if not key.startswith(("sk_test_", "rk_test_")):
        raise StripeError(
            401,
            "invalid_request_error",
            f"Invalid API Key provided: {key[:8]}****{key[-4:]}",
            code="api_key_expired" if key.startswith("sk_live_") else None,
        )


def _check_account(store: Store, account: str) -> None:
    found = store.find(account)
    if found is None or found.get("object") != "account":
        raise StripeError(
            403,
            "invalid_request_error",
            f"The provided key does not have access to account '{account}' (or that "
            "account does not exist). Application access may have been revoked.",
            code="account_invalid",
        )


def _replay(saved: Saved, path: str, digest: str, key: str) -> Response:
    if saved.path != path:
        raise StripeError(
            400,
            "idempotency_error",
            "Keys for idempotent requests can only be used for the same endpoint they were "
            f"first used for ('{saved.path}' vs '{path}'). Try using a key other than "
            f"'{key}' if you meant to execute a different request.",
        )
    if saved.params != digest:
        raise StripeError(
            400,
            "idempotency_error",
            "Keys for idempotent requests can only be used with the same parameters they "
            f"were first used with. Try using a key other than '{key}' if you meant to "
            "execute a different request.",
        )
    return Response(
        saved.status,
        saved.body.encode(),
        {
            "Content-Type": "application/json",
            "Idempotent-Replayed": "true",
            "Original-Request": saved.request_id,
            "Stripe-Should-Retry": "false",
        },
    )


def _unrecognized(method: str, path: str) -> Response:
    error = StripeError(
        404,
        "invalid_request_error",
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.",
    )
    return json_response(404, error.body())


def _render(result: Any) -> Response:
    if isinstance(result, Page):
        return Response(
            result.status, result.html.encode(), {"Content-Type": "text/html; charset=utf-8"}
        )
    if isinstance(result, Redirect):
        return Response(303, b"", {"Location": result.location})
    return json_response(200, result)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    emulator: Emulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: headers and body go out as two writes on a kept-alive connection, and
    # Nagle plus the client's delayed ACK would add ~40 ms to every response.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: the SDK's own logs say what was sent."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        response = self.server.emulator.handle(self.command, self.path, headers, body)
        if response.action == "reset":
            self._reset()
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name != "X-Emulator-Changed":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def _reset(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    do_GET = do_POST = do_DELETE = _serve
