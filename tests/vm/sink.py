#!/usr/bin/env python3
"""UDP sink inside the test guest: listens on the given ports, never answers (so the guest
sends nothing back and the trace holds only what the host sent), and logs one line per
datagram, "TAG SEQ PORT", so guest.sh can count what reached the socket per scenario.

    sink.py LOGFILE PORT...
"""
import select
import socket
import sys


def main():
    log = open(sys.argv[1], "a", buffering=1)
    socks = []
    for port in sys.argv[2:]:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", int(port)))
        socks.append(s)
    while True:
        ready, _, _ = select.select(socks, [], [], 5.0)
        for s in ready:
            data, _ = s.recvfrom(65535)
            # payload: b"skbt TAG SEQ ....padding"
            words = data[:80].split()
            tag = words[1].decode(errors="replace") if len(words) > 2 else "?"
            seq = words[2].decode(errors="replace") if len(words) > 2 else "?"
            log.write("%s %s %d\n" % (tag, seq, s.getsockname()[1]))


if __name__ == "__main__":
    main()
