"""Local servers for the delivery tests: an HTTP receiver and an SMTP sink, in threads.

Both listen on 127.0.0.1 on a free port; nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    """A webhook receiver that answers the queued statuses in turn (then 200) and checks every
    request's signature with ``secret`` as a receiving system would."""

    secret: str
    statuses: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@contextmanager
def webhook_receiver(secret: str, statuses: list[int]) -> Iterator[Receiver]:
    receiver = Receiver(secret=secret, statuses=list(statuses))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
            signature = self.headers.get("X-Lianjian-Signature", "")
            receiver.requests.append(
                {
                    "body": body,
                    "signature_ok": hmac.compare_digest(signature, expected),
                    "timestamp": self.headers.get("X-Lianjian-Timestamp"),
                    "delivery": self.headers.get("X-Lianjian-Delivery"),
                    "content_type": self.headers.get("Content-Type"),
                }
            )
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status if hmac.compare_digest(signature, expected) else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Sink:
    """What the SMTP sink received: (sender, recipients, message text)."""

    port: int = 0
    messages: list[tuple[str, list[str], str]] = field(default_factory=list)


@contextmanager
def smtp_sink() -> Iterator[Sink]:
    """A tiny SMTP server speaking just enough of RFC 5321 for smtplib (EHLO, MAIL, RCPT, DATA,
    RSET, NOOP, QUIT)."""
    sink = Sink()

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(f"{line}\r\n".encode())
            self.wfile.flush()

        def handle(self) -> None:
            self.reply("220 sink ESMTP")
            sender, recipients = "", list[str]()
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                command = raw.decode().strip()
                verb = command[:4].upper()
                if verb in {"EHLO", "HELO"}:
                    self.reply("250 sink")
                elif verb == "MAIL":
                    sender, recipients = command.split(":", 1)[1].strip().strip("<>"), []
                    self.reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 end with .")
                    lines = []
                    while (line := self.rfile.readline()) not in (b".\r\n", b""):
                        lines.append(line.decode())
                    sink.messages.append((sender, recipients, "".join(lines)))
                    self.reply("250 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("250 OK")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
