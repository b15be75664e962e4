"""This machine's network addresses, for the URLs a server listening on every address (0.0.0.0 or
::) prints: `http://0.0.0.0:8000/` is not an address another machine can type.

On Linux each interface's IPv4 address comes from the kernel (the SIOCGIFADDR ioctl) and IPv6 ones
from /proc/net/if_inet6; elsewhere, what the host name resolves to. Loopback and link-local
addresses (fe80::, which needs an interface name to be typed) are left out.
Leaves out the socket and the server (`running`).
"""

import ipaddress
import socket
import struct

SIOCGIFADDR = 0x8915  # Linux: an interface's IPv4 address
IF_INET6 = "/proc/net/if_inet6"


def _ipv4_of(name):
    import fcntl

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("256s", name.encode()[:15])
        return socket.inet_ntoa(fcntl.ioctl(s.fileno(), SIOCGIFADDR, request)[20:24])


def _interface_addresses():
    found = []
    for _, name in socket.if_nameindex():
        try:
            found.append(_ipv4_of(name))
        except OSError:  # an interface without an IPv4 address
            pass
    with open(IF_INET6) as f:  # "fd000000000000000000000000000002 02 40 00 80 eth0"
        found += [str(ipaddress.IPv6Address(bytes.fromhex(line.split()[0]))) for line in f if line.strip()]
    return found


def _resolved_addresses():
    return [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, type=socket.SOCK_STREAM)]


def network_addresses(ipv6):
    """This machine's addresses another machine could reach, IPv4 first; `ipv6`: IPv6 ones too."""
    try:
        found = _interface_addresses()
    except (OSError, AttributeError, ImportError):  # not Linux
        try:
            found = _resolved_addresses()
        except OSError:
            found = []
    ips = [ipaddress.ip_address(a) for a in dict.fromkeys(found)]
    ips = [ip for ip in ips if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified)
           and (ipv6 or ip.version == 4)]
    return [str(ip) for ip in sorted(ips, key=lambda ip: ip.version)]


def reachable(sock):
    """The addresses to type for a socket bound to every address (none for one bound to a single one)."""
    if not ipaddress.ip_address(sock.getsockname()[0].split("%")[0]).is_unspecified:
        return []
    return network_addresses(ipv6=sock.family == socket.AF_INET6)
