#!/usr/bin/env python3
"""Serve the ML example's inputs over HTTP: plain files (the dataset) and git
repositories over git's smart HTTP protocol (the code), which is what deco's
git input (go-git) speaks. Python's standard library and the git binary only.

  /git/<repo>/...   git http-backend for the repositories under --git-root
  /<path>           files under --files

Usage: serve.py [--bind ADDR] [--port N] [--files DIR] [--git-root DIR]

Read-only: pushes are refused. It binds 127.0.0.1 unless told otherwise; a
provider on another machine needs an address it can reach.
"""

import argparse
import functools
import http.server
import os
import subprocess
import sys
import urllib.parse


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files from --files, and git http-backend under /git/."""

    git_root = "."

    def do_GET(self):
        if self.path.startswith("/git/"):
            return self.git()
        return super().do_GET()

    def do_HEAD(self):
        if self.path.startswith("/git/"):
            return self.send_error(405)
        return super().do_HEAD()

    def do_POST(self):
        if self.path.startswith("/git/"):
            return self.git()
        return self.send_error(405)

    def git(self):
        """Runs one request through git http-backend (a CGI program)."""
        url = urllib.parse.urlsplit(self.path)
        path_info = urllib.parse.unquote(url.path[len("/git"):])
        if "/.." in path_info or "git-receive-pack" in path_info or "git-receive-pack" in url.query:
            return self.send_error(403, "read-only")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": os.path.abspath(self.git_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path_info,
            "QUERY_STRING": url.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
        }
        for h in ("Content-Encoding", "Git-Protocol"):
            if self.headers.get(h):
                env["HTTP_" + h.upper().replace("-", "_")] = self.headers[h]
        p = subprocess.run(["git", "http-backend"], input=body, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        if p.stderr:
            sys.stderr.write(p.stderr.decode(errors="replace"))
        head, sep, payload = p.stdout.partition(b"\r\n\r\n")
        if not sep:
            head, sep, payload = p.stdout.partition(b"\n\n")
        if not sep:
            return self.send_error(502, "git http-backend gave no headers")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k, v.strip()))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--files", default=".", help="directory served as plain files")
    p.add_argument("--git-root", default=".", help="directory holding the repositories served under /git/")
    a = p.parse_args(argv)
    Handler.git_root = a.git_root
    srv = http.server.ThreadingHTTPServer((a.bind, a.port), functools.partial(Handler, directory=a.files))
    print(f"serving files from {os.path.abspath(a.files)} and git repositories from "
          f"{os.path.abspath(a.git_root)} on http://{a.bind}:{srv.server_address[1]}/", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
