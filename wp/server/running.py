"""Running the app: a listening socket, uvicorn serving on it, the address to print, the browser,
in the order `run` takes them.

The socket is bound and listening before uvicorn starts, so the address can be printed (with the
port the system chose for `--port 0`) the moment the server is ready: a browser that connects
at once waits in the socket's queue rather than being refused. Leaves out the app (`app`) and
printing (the command).
"""

import errno
import ipaddress
import os
import signal
import socket
import sys
import webbrowser

import anyio
import uvicorn
from threadpoolctl import threadpool_limits

from edge import signals
from edge.errors import UserError
from wp.server import addresses

BACKLOG = 128  # connections waiting to be accepted
GRACE_S = 3  # on Ctrl-C, requests still running get this long to finish
THREADS = 8  # requests answered at once; more would only queue for the 2 cores and cost memory
LOCAL_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")  # Host headers a loopback server answers


def listen(host, port):
    """A socket bound to (host, port) and listening; a `UserError` saying why not (an unknown
    host, a port in use or not allowed)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as e:
        raise UserError(f"cannot listen on {host!r}: {getattr(e, 'strerror', None) or e}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once on the same port
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as e:
        sock.close()
        advice = "; choose another --port (0 picks a free one)" if e.errno in (errno.EADDRINUSE, errno.EACCES) else ""
        raise UserError(f"cannot listen on {host}:{port}: {e.strerror or e}{advice}") from None
    return sock


def url(sock, host):
    """The address to print and open: http://HOST:PORT/ with the port actually bound."""
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def local_names(host):
    """The Host headers a server listening on loopback answers: this machine's names and the `host`
    it was started with. Any other name is a page elsewhere reaching it through DNS rebinding."""
    return (*LOCAL_NAMES, host, f"[{host}]")


def is_loopback(sock):
    """Whether only this machine can reach the socket."""
    return ipaddress.ip_address(sock.getsockname()[0]).is_loopback


class _Server(uvicorn.Server):
    """uvicorn's server, which calls `on_ready()` once it is serving with its own signal handlers in
    place (so that a Ctrl-C right after the address is printed shuts it down gracefully), or stops at
    once if `should_stop()` says a signal came while it was starting."""

    def __init__(self, config, on_ready, should_stop):
        super().__init__(config)
        self.on_ready, self.should_stop = on_ready, should_stop

    async def startup(self, sockets=None):
        await super().startup(sockets=sockets)
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        if self.should_stop():
            self.should_exit = True
        elif self.started:
            self.on_ready()


def server(app, on_ready, should_stop):
    """A uvicorn server for `app`, quiet (warnings and errors only, no access log, no websockets),
    parsing HTTP with httptools: 0.79 ms of server time per cheap request instead of h11's 0.99
    (measured; under a class's load the HTTP layers take about a third of the server's time)."""
    config = uvicorn.Config(app, http="httptools", log_level="warning", access_log=False, lifespan="off", ws="none",
                            timeout_graceful_shutdown=GRACE_S)
    return _Server(config, on_ready, should_stop)


def serve(server, sock):
    """Run `server` on the listening `sock` until Ctrl-C or SIGTERM, which uvicorn turns into a
    graceful shutdown and then raises again.

    numpy's BLAS runs on one thread meanwhile: requests already run in parallel on threads of their
    own, and BLAS threads on top of them fight over the cores (measured on 2 cores with 8 clients:
    4x fewer requests per second and a 10x slower p95 with the default threads).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        server.run(sockets=[sock])


def has_display():
    """Whether a graphical browser can open: always on macOS and Windows, elsewhere with X11 or Wayland
    (without one, Python's `webbrowser` would start a text browser in this terminal)."""
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_browser(url):
    """Open `url` in the default browser; returns whether one was started."""
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


def run(host, port, make_app, on_ready, warn, browser=True):
    """Serve the app `make_app(allowed_hosts)` returns on (host, port) until Ctrl-C or SIGTERM, then
    raise it (`KeyboardInterrupt`, `edge.signals.Terminated`) once the server has shut down.

    The socket listens before the app is made, so that a port in use is said before any model
    loads. On a loopback address the app answers this machine's names only; on any other, `warn`
    gets the line saying who can reach it. Once serving, `on_ready(url, reachable)` gets the
    address to open and those other machines can type, and (`browser`, with a display) the page opens.
    """
    sock = listen(host, port)
    with sock:
        loopback = is_loopback(sock)
        app = make_app(local_names(host) if loopback else None)
        if not loopback:
            warn(f"listening on {host}: anyone who can reach this port can query the models")
        address = url(sock, host)
        reachable = [url(sock, other) for other in addresses.reachable(sock)]

        def ready():
            on_ready(address, reachable)
            if browser and has_display():
                open_browser(address)

        with signals.StopRequests() as stop:
            serve(server(app, ready, stop), sock)
    # uvicorn shut down gracefully, then handed the signal on to `stop`
    if stop.received == signal.SIGINT:
        raise KeyboardInterrupt
    if stop.received == signal.SIGTERM:
        raise signals.Terminated()
