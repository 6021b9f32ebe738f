"""The service runner ``serve`` uses: nameko's, stopped once however many stop signals arrive. ``make run``
and Kubernetes may both signal a process (the group's SIGTERM, then the script's); nameko's runner stopped
its containers again for the second, whose timers then failed (an event sent twice) mid-shutdown."""
from eventlet.event import Event
from nameko.runners import ServiceRunner


class StopOnceRunner(ServiceRunner):
    def __init__(self, config):
        super().__init__(config)
        self._stopped = None

    def stop(self):
        """Stop every container; a further call waits for that stop instead of starting another."""
        if self._stopped is not None:
            self._stopped.wait()
            return
        self._stopped = Event()
        try:
            super().stop()
        finally:
            self._stopped.send(True)
