"""The broker address: one AMQP URL, or the URLs of a cluster's nodes separated by ``;``.

kombu (so nameko, the relays and the consumers) takes the list as it is: it connects to the first node
that answers and, when that connection is lost, to the next one. The plain-AMQP tools (pika: dead
letters, queue depths) are given every node the same way through ``pika_connection``.
"""
import pika

from nabo_common.runtime.settings import broker_urls


def pika_connection(amqp_uri, socket_timeout=None):
    """A pika connection to the first node of ``AMQP_URI`` that accepts it (one attempt per node)."""
    candidates = []
    for url in broker_urls(amqp_uri):
        params = pika.URLParameters(url)
        params.connection_attempts = 1
        if socket_timeout is not None:
            params.socket_timeout = socket_timeout
        candidates.append(params)
    return pika.BlockingConnection(candidates)
