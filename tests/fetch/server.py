#!/usr/bin/env python3
"""tests/fetch/server.py - a small HTTP/1.1 file server on 127.0.0.1 that misbehaves on request.

Serves the files under --root. The first path segment may carry behaviours, each introduced by
'~' (e.g. /~cut~norange/models/x.pdparams serves ROOT/models/x.pdparams):

  ~cut        the first request for this path sends half of its body, then drops the connection
  ~norange    ignore Range headers: always 200 with the whole file
  ~e500xN     the first N requests for this path answer 500 Internal Server Error
  ~e503ra     the first request answers 503 with "Retry-After: 1"
  ~redirN     302 to the same path with ~redir(N-1); ~redir0 is the plain path (a chain of N)
  ~loop       302 to itself forever
  ~slow       the first request sends 64 KiB, then stalls for 30 s (a dead peer)
  ~rateN      send at about N MB/s (all requests)

Everything else is a plain, correct file server: Content-Length, ETag ("size-mtime"),
Last-Modified, Range "bytes=N-" / "bytes=N-M" answered with 206 + Content-Range, If-Range
honoured (a stale validator gets the whole file), 416 for a range past the end, 404 for missing
files. Bodies go out with sendfile. Counters are per full request path.

Every request is logged to --log as one line:
  GET <path> range=<Range or -> if-range=<If-Range or -> status=<code> sent=<body bytes>
The chosen port is written to --port-file once the socket listens. The server exits by itself
after --max-seconds (a safety net; the tests kill it in a trap).
"""
import argparse
import email.utils
import http.server
import os
import re
import socket
import socketserver
import sys
import threading
import time

LOCK = threading.Lock()
COUNTS = {}


def bump(path):
    with LOCK:
        COUNTS[path] = COUNTS.get(path, 0) + 1
        return COUNTS[path]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "zoo-test-server/1"

    def log_message(self, fmt, *args):  # quiet stderr
        pass

    def log_line(self, status, sent):
        line = "%s %s range=%s if-range=%s status=%d sent=%d\n" % (
            self.command, self.path, self.headers.get("Range", "-"),
            self.headers.get("If-Range", "-"), status, sent)
        with LOCK:
            with open(self.server.log_path, "a") as f:
                f.write(line)

    def simple(self, status, reason, extra=None, body=b""):
        self.send_response(status, reason)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.log_line(status, len(body))

    def do_GET(self):
        n = bump(self.path)
        path, _, query = self.path.partition("?")
        modes = []
        m = re.match(r"^/(~[^/]+)(/.*)$", path)
        if m:
            modes = [x for x in m.group(1).split("~") if x]
            rest = m.group(2)
        else:
            rest = path
        for mode in modes:
            r = re.fullmatch(r"redir(\d+)", mode)
            if r:
                k = int(r.group(1))
                others = "".join("~" + x for x in modes if x != mode)
                if k > 0:
                    others += "~redir%d" % (k - 1)
                loc = ("/" + others + rest) if others else rest
                if query:
                    loc += "?" + query
                return self.simple(302, "Found", {"Location": loc})
            if mode == "loop":
                return self.simple(302, "Found", {"Location": self.path})
            r = re.fullmatch(r"e500x(\d+)", mode)
            if r and n <= int(r.group(1)):
                return self.simple(500, "Internal Server Error", body=b"boom\n")
            if mode == "e503ra" and n == 1:
                return self.simple(503, "Service Unavailable", {"Retry-After": "1"})
        rel = os.path.normpath(rest.lstrip("/"))
        if rel.startswith("..") or os.path.isabs(rel):
            return self.simple(403, "Forbidden")
        fpath = os.path.join(self.server.root, rel)
        if not os.path.isfile(fpath):
            return self.simple(404, "Not Found", body=b"no such file\n")
        st = os.stat(fpath)
        size = st.st_size
        etag = '"%x-%x"' % (size, st.st_mtime_ns)
        lastmod = email.utils.formatdate(st.st_mtime, usegmt=True)
        start, end = 0, size - 1
        status = 200
        rng = self.headers.get("Range")
        ifr = self.headers.get("If-Range")
        if rng and "norange" not in modes and (ifr is None or ifr in (etag, lastmod)):
            r = re.fullmatch(r"bytes=(\d+)-(\d*)", rng.strip())
            if r:
                start = int(r.group(1))
                if r.group(2):
                    end = min(int(r.group(2)), size - 1)
                if start >= size:
                    return self.simple(416, "Range Not Satisfiable",
                                       {"Content-Range": "bytes */%d" % size})
                status = 206
        length = end - start + 1
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", lastmod)
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        self.end_headers()
        self.wfile.flush()
        limit = length
        cut = "cut" in modes and n == 1
        slow = "slow" in modes and n == 1
        if cut:
            limit = length // 2
        if slow:
            limit = min(length, 65536)
        rate = None
        for mode in modes:
            r = re.fullmatch(r"rate(\d+)", mode)
            if r:
                rate = int(r.group(1)) * 1e6
        sent = 0
        sock = self.connection
        try:
            with open(fpath, "rb") as f:
                t0 = time.monotonic()
                while sent < limit:
                    chunk = min(limit - sent, 1 << 20 if rate is None else 65536)
                    k = os.sendfile(sock.fileno(), f.fileno(), start + sent, chunk)
                    if k <= 0:
                        break
                    sent += k
                    if rate:
                        ahead = sent / rate - (time.monotonic() - t0)
                        if ahead > 0:
                            time.sleep(ahead)
            if slow:
                time.sleep(30)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.log_line(status, sent)
        if sent < length:  # drop the connection mid-body
            self.close_connection = True
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--max-seconds", type=float, default=300)
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.root = os.path.abspath(a.root)
    srv.log_path = a.log
    open(a.log, "a").close()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    threading.Timer(a.max_seconds, lambda: os._exit(3)).start()
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
