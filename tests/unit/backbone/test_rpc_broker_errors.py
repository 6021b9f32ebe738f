"""What a caller gets when the broker ends its connection while it publishes a request."""
from types import SimpleNamespace

import pytest
from amqp.exceptions import ConnectionForced, InternalError

from nabo_common.api.errors import ServiceUnavailable
from nabo_common.runtime.rpc import TimedMethodProxy


def a_proxy_whose_publish_fails(error):
    proxy = TimedMethodProxy.__new__(TimedMethodProxy)  # no broker: only the call's error handling
    proxy.timeout, proxy.service_name, proxy.worker_ctx = 1.0, "events", SimpleNamespace(data={})

    def call(*args, **kwargs):
        raise error

    proxy._call = call
    return proxy


# a node stopping closed the gateway's connection with 541 while it waited for the confirm (cluster
# suite, c3): kombu does not retry an error it deems irrecoverable, and it reached the caller as a 500
@pytest.mark.parametrize("error", [InternalError("INTERNAL_ERROR", (0, 0), "Connection.close"),
                                   ConnectionForced("broker forced connection closure", (0, 0),
                                                    "Connection.close")])
def test_a_connection_closed_by_the_broker_is_503(error):
    with pytest.raises(ServiceUnavailable):
        a_proxy_whose_publish_fails(error)()
