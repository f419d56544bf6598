#!/usr/bin/env python3
"""run-cell.py runs one cell on a Jupyter server through its REST API and a
kernel's websocket channel, as the notebook's web page does, and prints what
the cell printed and its result.

    python3 run-cell.py http://127.0.0.1:8888 TOKEN [CODE]

It creates a session (POST /api/sessions, kernel python3), connects to
/api/kernels/ID/channels, sends an execute_request in Jupyter's messaging
protocol and reads the replies until the kernel is idle again. CODE defaults
to a cell that counts the rows of the dataset mounted at /inputs/dataset.
It needs tornado (in deco-notebook:latest: run it there with --network host,
as run-on-devnet.sh does).
"""
import asyncio
import datetime
import json
import sys
import urllib.request
import uuid

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

DEFAULT_CODE = """import csv, hashlib
data = open('/inputs/dataset', 'rb').read()
print('sha256', hashlib.sha256(data).hexdigest())
sum(1 for _ in csv.DictReader(data.decode().splitlines()))"""


def session(base, token):
    body = json.dumps({"path": "run-cell.ipynb", "type": "notebook", "name": "",
                       "kernel": {"name": "python3"}}).encode()
    req = urllib.request.Request(base + "/api/sessions", data=body, method="POST",
                                 headers={"Authorization": "token " + token,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


async def run(base, token, kernel, code):
    url = base.replace("http", "ws", 1) + "/api/kernels/" + kernel + "/channels"
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": "token " + token}))
    msg_id = uuid.uuid4().hex
    ws.write_message(json.dumps({
        "channel": "shell",
        "header": {"msg_id": msg_id, "session": uuid.uuid4().hex, "username": "deco",
                   "msg_type": "execute_request", "version": "5.3",
                   "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
        "parent_header": {}, "metadata": {},
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
    }))
    replied = idle = False
    status = 0
    while not (replied and idle):
        raw = await asyncio.wait_for(ws.read_message(), 60)
        if raw is None:
            sys.exit("the kernel's channel closed")
        m = json.loads(raw)
        if m.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        t, c = m["header"]["msg_type"], m["content"]
        if t == "stream":
            print(c["text"], end="", file=sys.stdout if c["name"] == "stdout" else sys.stderr)
        elif t == "execute_result":
            print("result", c["data"].get("text/plain", ""))
        elif t == "error":
            print("\n".join(c.get("traceback", [])), file=sys.stderr)
            status = 1
        elif t == "execute_reply":
            replied = True
            status = status or (c.get("status") != "ok")
        elif t == "status" and c.get("execution_state") == "idle":
            idle = True
    ws.close()
    return status


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    base, token = sys.argv[1].rstrip("/"), sys.argv[2]
    code = sys.argv[3] if len(sys.argv) > 3 else DEFAULT_CODE
    s = session(base, token)
    print("session", s["id"], "kernel", s["kernel"]["id"], s["kernel"]["name"], file=sys.stderr)
    sys.exit(asyncio.run(run(base, token, s["kernel"]["id"], code)))


if __name__ == "__main__":
    main()
