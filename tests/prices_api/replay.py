"""A local HTTP server on 127.0.0.1 that replays the recorded price-API answers of this folder.

Knobs (attributes of :class:`ReplayServer`) let a test ask for the failures a real API shows: the first
``fail_first`` requests answer ``fail_status``; ``delay_s`` holds every answer back; ``malformed`` sends
a truncated body; ``no_data`` sends ENTSO-E's acknowledgement document. Every request is logged.
"""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).resolve().parent
ENTSOE_TOKEN = "replay-token"


class ReplayServer:
    """Serve in a thread; ``base`` is ``http://127.0.0.1:<port>``. Use as a context manager."""

    def __init__(self) -> None:
        self.fail_first = 0
        self.fail_status = 503
        self.delay_s = 0.0
        self.malformed = False
        self.no_data = False
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                server.requests.append((url.path, parse_qs(url.query)))
                if server.delay_s:
                    time.sleep(server.delay_s)
                if server.fail_first > 0:
                    server.fail_first -= 1
                    self._send(server.fail_status, b"<html>Service Unavailable</html>", "text/html")
                    return
                status, body, kind = server.answer(url.path, parse_qs(url.query))
                if server.malformed:
                    body = body[: len(body) // 3]
                self._send(status, body, kind)

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes, str]:
        """(status, body, content type) of the recorded answer for a request."""
        if path.startswith("/v1/products/") and path.endswith("/standard-unit-rates/"):
            product = path.split("/")[3]
            name = "outgoing" if "OUTGOING" in product else "agile"
            if product.startswith("NOPE"):
                return 404, b'{"detail":"Not found."}', "application/json"
            return 200, self._page(name, 0), "application/json"
        if path.startswith("/page/"):
            _, _, name, k = path.split("/")
            return 200, self._page(name, int(k)), "application/json"
        if path == "/api":
            if query.get("securityToken") != [ENTSOE_TOKEN]:
                return 401, b"<html><body>Unauthorized</body></html>", "text/html"
            file = "entsoe_no_data.xml" if self.no_data else "entsoe_de_lu_2023-01-16.xml"
            return 200, (HERE / file).read_bytes(), "text/xml"
        return 404, b"not recorded", "text/plain"

    def _page(self, name: str, k: int) -> bytes:
        return (HERE / f"octopus_{name}_page{k}.json").read_text().replace("{base}", self.base).encode()

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
