"""Serve the written site on 127.0.0.1 only: a local preview, never a public server."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        pass  # one line per request would bury the URL the user needs


def make_server(directory: Path, port: int) -> ThreadingHTTPServer:
    """A server for `directory` on 127.0.0.1:`port` (0: any free port), not yet serving."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    return ThreadingHTTPServer((HOST, port), handler)


def serve(directory: Path, port: int) -> int:
    from warehouse.core.errors import UsageError

    try:
        server = make_server(directory, port)
    except OSError as exc:
        raise UsageError(f"cannot serve on {HOST}:{port}: {exc.strerror or exc}",
                         hint="choose another port with --port") from None
    with server:
        print(f"serving the docs at http://{HOST}:{server.server_address[1]}/ "
              f"(Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("stopped")
    return 0
