"""HTTP replies sent without waiting for a delayed ACK.

nameko's web server listens on a plain eventlet socket, so Nagle's algorithm
is on for every connection it accepts. On a kept-alive connection a reply of
some tens of kilobytes (a page of events) then waited for the client's delayed
ACK, several times the work of the reply. TCP_NODELAY on the listening socket
is inherited by every accepted connection (Linux).
Applied once by ``nabo_common.runtime.patch.apply()``.
"""
import socket


def set_nodelay(sock):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def replies_without_nagle_delay():
    from nameko.web.server import WebServer

    original = WebServer.start
    if getattr(original, "nabo_guarded", False):
        return

    def start(self):
        listening = self._sock is None
        original(self)
        if listening and self._sock is not None:
            set_nodelay(self._sock)

    start.nabo_guarded = True
    WebServer.start = start
