#!/usr/bin/env python3
"""A loopback server for the pgw --wait tests: it answers every startup
packet with one FATAL ErrorResponse and closes, as a server that is
starting up (57P03) or that refuses the login (28000) does.

    fake_server.py SQLSTATE DELAY_SECONDS PORT_FILE

It listens on 127.0.0.1 (port chosen by the system, written to PORT_FILE)
once DELAY_SECONDS have passed, and serves until killed."""
import socket
import struct
import sys
import time

def error_response(sqlstate, message):
    fields = b""
    for code, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", sqlstate), (b"M", message)):
        fields += code + value.encode() + b"\0"
    fields += b"\0"
    return b"E" + struct.pack("!I", len(fields) + 4) + fields

def read_packet(conn):
    head = b""
    while len(head) < 4:
        chunk = conn.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    (n,) = struct.unpack("!I", head)
    body = b""
    while len(body) < n - 4:
        chunk = conn.recv(n - 4 - len(body))
        if not chunk:
            return None
        body += chunk
    return body

def main():
    sqlstate, delay, port_file = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    # reserve the port now, listen only after the delay
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    with open(port_file + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    time.sleep(delay)
    s.listen(16)
    message = {"57P03": "the database system is starting up"}.get(
        sqlstate, "no pg_hba.conf entry for host")
    while True:
        conn, _ = s.accept()
        with conn:
            body = read_packet(conn)
            # SSLRequest / GSSENCRequest: say no, then read the startup packet
            while body is not None and len(body) == 4 and struct.unpack("!I", body)[0] in (80877103, 80877104):
                conn.sendall(b"N")
                body = read_packet(conn)
            if body is not None:
                conn.sendall(error_response(sqlstate, message))

main()
