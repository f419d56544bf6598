"""rtt.py: TCP round-trip time, one byte each way, Nagle off.

  python3 rtt.py serve PORT          echo one connection, then exit
  python3 rtt.py client HOST PORT N  N round trips; prints JSON (microseconds)
"""

import json
import socket
import statistics
import sys
import time


def serve(port):
    with socket.create_server(("0.0.0.0", port)) as s:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while b := c.recv(1):
            c.sendall(b)


def client(host, port, n):
    for _ in range(100):
        try:
            c = socket.create_connection((host, port), timeout=5)
            break
        except OSError:
            time.sleep(0.1)
    else:
        raise SystemExit(f"cannot reach {host}:{port}")
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rtts = []
    for _ in range(n):
        start = time.perf_counter()
        c.sendall(b"x")
        if c.recv(1) != b"x":
            raise SystemExit("echo lost")
        rtts.append((time.perf_counter() - start) * 1e6)
    c.close()
    rtts.sort()
    print(json.dumps({"n": n, "median_us": statistics.median(rtts), "p90_us": rtts[int(n * 0.9)], "min_us": rtts[0]}))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
