"""A `wp serve` app running in a thread of the test process, on a free port of 127.0.0.1, for the
API and browser tests; starting and stopping are bounded in time."""

import threading
import time
from contextlib import contextmanager

from wp.server import running

START_S = 10
STOP_S = 10


@contextmanager
def live(app):
    """Serve `app` for the block: yields its base URL, http://127.0.0.1:PORT/."""
    sock = running.listen("127.0.0.1", 0)
    server = running.server(app, on_ready=lambda: None, should_stop=lambda: False)
    thread = threading.Thread(target=running.serve, args=(server, sock), name="wp-serve-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError(f"the test server did not start within {START_S} s")
        time.sleep(0.01)
    try:
        yield running.url(sock, "127.0.0.1")
    finally:
        server.should_exit = True
        thread.join(STOP_S)
        sock.close()
