"""Recorded HTTP exchanges replayed by a local HTTPS server: what stands in for Microsoft's
servers, which cannot run here. A recording is a JSON list of
{"request": {"method", "path", "body_contains"?}, "response": {"status", "headers", "body"}}
(the first that matches answers: SOAP calls share one path and differ by body); "{base}" in a
response stands for this server's address. A request that no recording matches gets a
501 and is kept in `unexpected`, so that a test sees it."""

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from tests.directory.slapd import write_certificates

RECORDINGS = Path(__file__).parent / "recordings"


class Replay:
    def __init__(self, tmp_path: Path, *recordings: str):
        self.exchanges = []
        for name in recordings:
            self.exchanges += json.loads((RECORDINGS / name).read_text())
        self.requests: list[dict] = []
        self.unexpected: list[str] = []
        self.ca_file, cert, key = (str(path) for path in write_certificates(tmp_path, name="replay CA"))
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
                path = unquote(self.path)
                replay.requests.append({"method": self.command, "path": path, "headers": dict(self.headers),
                                        "body": body})  # fmt: skip
                for exchange in replay.exchanges:
                    wanted = exchange["request"]
                    if (
                        wanted["method"] == self.command
                        and unquote(wanted["path"]) == path
                        and all(part in body for part in wanted.get("body_contains", ()))
                    ):
                        response = exchange["response"]
                        payload = response["body"]
                        text = (json.dumps(payload) if not isinstance(payload, str) else payload).replace(
                            "{base}", replay.base
                        )
                        data = text.encode()
                        self.send_response(response["status"])
                        for header, value in response.get("headers", {"Content-Type": "application/json"}).items():
                            self.send_header(header, value)
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                        return
                replay.unexpected.append(f"{self.command} {path}")
                self.send_response(501)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.base = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()
