#!/usr/bin/env python3
"""UDP (and TCP) sink inside the test guest: listens on the given ports, never answers (so the
guest sends nothing back and the trace holds only what the host sent), and logs one line per
datagram, "TAG SEQ PORT", so guest.sh can count what reached the socket per scenario.

    sink.py LOGFILE [--tcp PORT] PORT...

With --tcp PORT it also accepts TCP connections on PORT and reads them to EOF (TCP must
answer: SYN-ACK, ACKs, FIN); each read is logged as "tcp TAG BYTES PORT", TAG taken from the
connection's first bytes (b"skbt TAG ..."), so guest.sh can sum the bytes per scenario.
"""
import select
import socket
import sys


def main():
    log = open(sys.argv[1], "a", buffering=1)
    args = sys.argv[2:]
    tcp_port = None
    if len(args) >= 2 and args[0] == "--tcp":
        tcp_port, args = int(args[1]), args[2:]
    socks = []
    for port in args:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", int(port)))
        socks.append(s)
    listener = None
    if tcp_port:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("0.0.0.0", tcp_port))
        listener.listen(4)
    conns = {}          # socket -> tag ("?" until the first bytes named it)
    while True:
        watch = socks + list(conns) + ([listener] if listener else [])
        ready, _, _ = select.select(watch, [], [], 5.0)
        for s in ready:
            if s is listener:
                c, _ = listener.accept()
                conns[c] = None
                continue
            if s in conns:
                data = s.recv(65536)
                if not data:
                    s.close()
                    del conns[s]
                    continue
                if conns[s] is None:
                    words = data[:80].split()
                    conns[s] = words[1].decode(errors="replace") if len(words) > 1 else "?"
                log.write("tcp %s %d %d\n" % (conns[s], len(data), tcp_port))
                continue
            data, _ = s.recvfrom(65535)
            # payload: b"skbt TAG SEQ ....padding"
            words = data[:80].split()
            tag = words[1].decode(errors="replace") if len(words) > 2 else "?"
            seq = words[2].decode(errors="replace") if len(words) > 2 else "?"
            log.write("%s %s %d\n" % (tag, seq, s.getsockname()[1]))


if __name__ == "__main__":
    main()
