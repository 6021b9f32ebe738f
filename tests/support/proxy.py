"""A TCP proxy in front of RabbitMQ that a test can cut and restore, so one
service sees the broker go down while everything else keeps running."""
import socket

import eventlet


class TcpProxy:
    def __init__(self, target_host="127.0.0.1", target_port=5672):
        self.target = (target_host, target_port)
        self.listener = eventlet.listen(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.enabled = True
        self.frozen = False
        self.connections = []
        # freeze_within_next_answer: (None or the server-side socket, bytes of its next chunk to pass on)
        self._split = None
        self._server = eventlet.spawn(self._serve)

    def _serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.enabled:
                client.close()
                continue
            self._wait_while_frozen()
            try:
                upstream = eventlet.connect(self.target)
            except OSError:
                client.close()
                continue
            self.connections.append((client, upstream))
            eventlet.spawn(self._pipe, client, upstream)
            eventlet.spawn(self._pipe, upstream, client)

    def _pipe(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if self._split and self._split[0] is None and any(source is c for c, _ in self.connections):
                    self._split = (sink, self._split[1])
                elif self._split and source is self._split[0]:
                    passed, self._split = self._split[1], None
                    sink.sendall(data[:passed])
                    data = data[passed:]
                    self.frozen = True
                self._wait_while_frozen()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            # shut both down so the opposite pipe wakes; each pipe closes only the socket it reads,
            # so no file descriptor is freed while another green thread still waits on it
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            source.close()
            for pair in list(self.connections):  # only open connections are kept, and counted by cut()
                if source in pair and sink in pair:
                    self.connections.remove(pair)

    def cut(self):
        """Drop every open connection and refuse new ones: the network between the two sides is cut. The
        number of connections dropped."""
        self.enabled = False
        dropped = len(self.connections)
        for client, upstream in list(self.connections):
            for s in (client, upstream):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self.connections.clear()
        return dropped

    def restore(self):
        self.enabled = True

    def freeze(self):
        """Stop passing anything on, closing nothing: a silent partition. Open connections stay open and
        their bytes are held; new ones are accepted and then hear nothing, as behind a dead link."""
        self.frozen = True

    def freeze_within_next_answer(self, passed):
        """On the connection a client writes to next, pass on the first ``passed`` bytes the server sends
        back, then freeze as ``freeze()`` does: the client has the start of a frame and waits for the
        rest, as when a frame's packets arrive apart."""
        self._split = (None, passed)

    def thaw(self):
        """Pass on again what was held, and everything after it."""
        self.frozen = False

    def _wait_while_frozen(self):
        while self.frozen:
            eventlet.sleep(0.05)

    def close(self):
        self.cut()
        self.listener.close()
        self._server.kill()

    def uri(self, amqp_uri):
        """The same AMQP URI, through this proxy."""
        scheme, rest = amqp_uri.split("://", 1)
        creds, hostpart = rest.rsplit("@", 1)
        _hostport, _, vhost = hostpart.partition("/")
        return f"{scheme}://{creds}@127.0.0.1:{self.port}/{vhost}"
