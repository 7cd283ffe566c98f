# tap_send.py NAME NAPI(0|1) ADDR PEER PORT N PAYLOAD [READY GO]: create the tap, put ADDR/24
# on it, (touch READY, wait for GO,) write N frames PEER:4000 -> ADDR:PORT, count what a UDP
# socket on ADDR:PORT receives; print it.  Used by tests/live/e2e_5_tap.sh and fidelity.sh.
import fcntl, os, socket, struct, subprocess, sys, time
name, napi, addr, peer, port, n, payload = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
ready, go = (sys.argv[8], sys.argv[9]) if len(sys.argv) > 9 else (None, None)
TUNSETIFF, IFF_TAP, IFF_NO_PI, IFF_NAPI = 0x400454ca, 0x0002, 0x1000, 0x0010
fd = os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TAP | IFF_NO_PI | (IFF_NAPI if napi else 0)))
subprocess.run(['ip', 'addr', 'add', addr + '/24', 'dev', name], check=True)
subprocess.run(['ip', 'link', 'set', name, 'up'], check=True)
mac = bytes.fromhex(open('/sys/class/net/%s/address' % name).read().strip().replace(':', ''))
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
r.bind((addr, port))
r.setblocking(False)
if ready:
    open(ready, 'w').close()
    end = time.time() + 30
    while not os.path.exists(go) and time.time() < end:
        time.sleep(0.02)

def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff

got = 0
def drain():
    global got
    try:
        while True:
            r.recv(65536); got += 1
    except BlockingIOError:
        pass

src = socket.inet_aton(peer); dst = socket.inet_aton(addr)
for i in range(n):
    data = b'%08d' % i + b'z' * (payload - 8)
    udp = struct.pack('!HHHH', 4000, port, 8 + len(data), 0) + data
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    os.write(fd, mac + b'\x02\x00\x00\x00\x00\x09' + b'\x08\x00' + ip + udp)
    if i % 20 == 19:
        time.sleep(0.002)
        drain()
end = time.time() + 2
while got < n and time.time() < end:
    time.sleep(0.01)
    drain()
print(got)
os.close(fd)
