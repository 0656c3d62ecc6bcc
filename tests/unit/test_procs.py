"""rag.procs: waiting for a child server, and the reasons it gives when the server never comes up."""

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rag.procs import free_port, http_ok, stop, wait_until_up


def test_exited_server_reports_code_and_log(tmp_path):
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", "print('bad config: port taken'); raise SystemExit(3)"], stdout=out, stderr=subprocess.STDOUT)
    proc.wait()
    why = wait_until_up(proc, lambda: False, 5, "toy server", log)
    assert why is not None and "toy server exited with 3" in why and "bad config: port taken" in why


def test_timeout_is_reported_and_process_can_be_stopped():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        why = wait_until_up(proc, http_ok(f"http://127.0.0.1:{free_port()}/healthz"), 0.5, "sleeper", every_s=0.1)
        assert why == "sleeper did not come up within 0.5 s"
    finally:
        stop(proc, timeout_s=5)
    assert proc.poll() is not None


def test_up_when_the_health_route_answers_200():
    class Ok(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", free_port()), Ok)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        port = srv.server_address[1]
        assert wait_until_up(proc, http_ok(f"http://127.0.0.1:{port}/healthz"), 5, "toy") is None
        assert not http_ok(f"http://127.0.0.1:{port}/missing")()
    finally:
        stop(proc, timeout_s=5)
        srv.shutdown()
