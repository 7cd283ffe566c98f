#!/usr/bin/env python3
"""Host side traffic of tests/vm/ovs.sh.  Waits for requests that the guest writes on the 9p
share (CTL/req-NAME: "count=N flows=F gap_ms=G size=S tag=T"), sends that many UDP datagrams
to 127.0.0.1 only -- QEMU's hostfwd ports, which lead into the guest's eth0 -- and answers
with CTL/done-NAME, a JSON record of what was sent.

    send.py CTL_DIR QEMU_PID DEADLINE_S [--tcp TCP_HOSTPORT] HOSTPORT...

Flow i (0 <= i < flows) goes to HOSTPORT[i], i.e. to a different guest UDP port: distinct
flows for RPS hashing.  Datagrams are spread over the flows round-robin.  Bounded: at most
MAX_COUNT datagrams per request, stops at DEADLINE_S, at CTL/finished, or when QEMU exits.

"tcp=W" in a request (needs --tcp) also opens one TCP connection to TCP_HOSTPORT (QEMU's tcp
hostfwd, to the guest's TCP sink) before the datagrams, spreads W writes of "size" bytes
evenly between them (TCP_NODELAY: one write, one segment unless QEMU coalesces) and closes it
after the last datagram.
"""
import json
import os
import socket
import sys
import time

HOST = "127.0.0.1"          # never anything else
MAX_COUNT = 1000


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def parse(spec):
    kv = dict(w.split("=", 1) for w in spec.split() if "=" in w)
    return {
        "count": min(int(kv.get("count", 10)), MAX_COUNT),
        "flows": int(kv.get("flows", 1)),
        "gap_ms": float(kv.get("gap_ms", 20)),
        "size": max(int(kv.get("size", 200)), 32),
        "tag": kv.get("tag", "x"),
        "tcp": min(int(kv.get("tcp", 0)), MAX_COUNT),
    }


def send(req, ports, tcp_port):
    flows = max(1, min(req["flows"], len(ports)))
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(flows)]
    per_flow = [0] * flows
    errors = 0
    tcp, tcp_writes, tcp_bytes, tcp_error = None, 0, 0, ""
    t0 = time.time()
    if req["tcp"] and tcp_port:
        try:
            tcp = socket.create_connection((HOST, tcp_port), timeout=10)
            tcp.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            time.sleep(0.2)     # QEMU connects to the guest only now: let the handshake end
        except OSError as e:
            tcp, tcp_error = None, str(e)
    # write i goes after datagram (i + 1) * count / (tcp + 1)
    tcp_at = {(i + 1) * req["count"] // (req["tcp"] + 1) for i in range(req["tcp"])}
    for seq in range(req["count"]):
        f = seq % flows
        payload = ("skbt %s %d " % (req["tag"], seq)).encode().ljust(req["size"], b".")
        try:
            socks[f].sendto(payload, (HOST, ports[f]))
            per_flow[f] += 1
        except OSError:
            errors += 1
        if tcp is not None and seq in tcp_at:
            data = ("skbt %s tcp%d " % (req["tag"], tcp_writes)).encode().ljust(req["size"], b"-")
            try:
                tcp.sendall(data)
                tcp_writes += 1
                tcp_bytes += len(data)
            except OSError as e:
                tcp_error = str(e)
        time.sleep(req["gap_ms"] / 1000.0)
    for s in socks:
        s.close()
    if tcp is not None:
        time.sleep(0.2)
        tcp.close()
    return {
        "tcp_writes": tcp_writes,
        "tcp_bytes": tcp_bytes,
        "tcp_error": tcp_error,
        "udp_sent": sum(per_flow),
        "per_flow": per_flow,
        "host_ports": ports[:flows],
        "payload_bytes": req["size"],
        # what the receive tracepoints report as len: payload + UDP 8 + IPv4 20
        # (netif_receive_skb's len excludes the 14-byte Ethernet header)
        "skb_len": req["size"] + 28,
        "send_errors": errors,
        "seconds": round(time.time() - t0, 3),
        "spec": req,
    }


def main():
    ctl, qemu_pid, deadline_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    args = sys.argv[4:]
    tcp_port = None
    if len(args) >= 2 and args[0] == "--tcp":
        tcp_port, args = int(args[1]), args[2:]
    ports = [int(p) for p in args]
    deadline = time.time() + deadline_s
    done = set()
    while time.time() < deadline and alive(qemu_pid):
        if os.path.exists(os.path.join(ctl, "finished")):
            break
        try:
            names = sorted(os.listdir(ctl))
        except FileNotFoundError:
            names = []
        for f in names:
            if not f.startswith("req-") or f.endswith(".tmp") or f in done:
                continue
            done.add(f)
            name = f[len("req-"):]
            with open(os.path.join(ctl, f)) as fh:
                req = parse(fh.read())
            print(time.strftime("%T"), "send", name, req, flush=True)
            res = send(req, ports, tcp_port)
            print(time.strftime("%T"), "sent", name, res["udp_sent"], flush=True)
            tmp = os.path.join(ctl, "done-%s.tmp" % name)
            with open(tmp, "w") as fh:
                json.dump(res, fh)
            os.rename(tmp, os.path.join(ctl, "done-" + name))
        time.sleep(0.05)


if __name__ == "__main__":
    main()
