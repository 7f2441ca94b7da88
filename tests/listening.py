"""The TCP sockets a process tree listens on, read from ``/proc`` (Linux): which Ray processes a test started
listen where, without ``ss`` or psutil."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import NamedTuple


class Listener(NamedTuple):
    """One listening TCP socket: the process that holds it and its local address."""

    pid: int
    name: str
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    port: int

    @property
    def loopback(self) -> bool:
        """Whether only this machine can connect (``127.0.0.0/8``, ``::1``, or IPv4-mapped loopback)."""
        ip = self.ip
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return ip.is_loopback


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it, from each process's parent id in ``/proc/<pid>/stat``."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(stat.parent.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _hex_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """A ``/proc/net/tcp{,6}`` address: 32-bit words in host (little-endian) order."""
    raw = bytes.fromhex(text)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return ipaddress.ip_address(words)


def _listening_inodes() -> dict[int, tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]]:
    """Socket inode -> (ip, port) of every listening TCP socket in this network namespace."""
    out = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A":  # TCP_LISTEN
                continue
            ip, port = fields[1].split(":")
            out[int(fields[9])] = (_hex_ip(ip), int(port, 16))
    return out


def listeners(root: int | None = None) -> list[Listener]:
    """The listening TCP sockets held by ``root`` (default: this process) and its descendants."""
    inodes = _listening_inodes()
    found = []
    for pid in _descendants(os.getpid() if root is None else root):
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:  # ended meanwhile
            continue
        links = []
        for fd in fds:
            try:
                links.append(os.readlink(fd))
            except OSError:  # closed meanwhile (the listing's own descriptor, for one)
                continue
        for link in links:
            if link.startswith("socket:[") and int(link[8:-1]) in inodes:
                ip, port = inodes[int(link[8:-1])]
                found.append(Listener(pid, name, ip, port))
    return found
