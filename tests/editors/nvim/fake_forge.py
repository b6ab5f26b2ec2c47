"""A GitHub API stand-in on 127.0.0.1 for the run-experiment scenario.

    python3 fake_forge.py PORT_FILE REQUEST_LOG

Listens on an ephemeral port (written to PORT_FILE once listening), answers
POST /repos/<owner>/<repo>/pulls with a pull request whose html_url points back here,
404 otherwise, and appends each request as one JSON line to REQUEST_LOG.
"""
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port_file, request_log = sys.argv[1], sys.argv[2]
pulls = [0]


class Handler(BaseHTTPRequestHandler):
    def _answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _log(self, body):
        entry = {
            "method": self.command,
            "path": self.path,
            "authorization": self.headers.get("Authorization"),
            "body": body,
        }
        with open(request_log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def do_GET(self):
        self._log(None)
        self._answer(404, {"message": "Not Found"})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self._log(body)
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/pulls/?", self.path)
        if not m:
            return self._answer(404, {"message": "Not Found"})
        pulls[0] += 1
        base = "http://127.0.0.1:%d" % self.server.server_address[1]
        n = pulls[0]
        self._answer(201, {"number": n, "state": "open",
                           "html_url": "%s/%s/%s/pull/%d" % (base, m[1], m[2], n)})

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(port_file + ".tmp", port_file)
server.serve_forever()
