/*
 * Only for build/skbtrail-record-static (make static), never for the dynamic programs.
 *
 * Debian's libpcap.a has D-Bus capture (pcap-dbus.o, always linked: pcap_findalldevs lists
 * "dbus-system"), so the static link takes Debian's libdbus-1.a; its dbus-sysdeps-unix.o
 * refers to two libsystemd calls used only by a D-Bus *server* started through systemd
 * socket activation (_dbus_listen_systemd_sockets).  Debian ships no libsystemd.a, and
 * libsystemd.so.0 needs libzstd.so.1, which the static recorder must not.  The recorder is
 * never a D-Bus server; these two answer as libsystemd does for a process that systemd did
 * not socket-activate: no file descriptors passed.
 */
#include <errno.h>

int sd_listen_fds(int unset_environment);
int sd_is_socket(int fd, int family, int type, int listening);

int sd_listen_fds(int unset_environment)
{
	return 0;
}

int sd_is_socket(int fd, int family, int type, int listening)
{
	return -EBADF;
}
