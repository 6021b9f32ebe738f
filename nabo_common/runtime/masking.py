"""Broker addresses as logs may show them: every node's password masked.

kombu's and nameko's masking knows one URL; of a cluster's failover list (``amqp://a;amqp://b``) it masks
the first node's password and prints the others'."""
from kombu.utils.url import maybe_sanitize_url

from nabo_common.runtime.settings import broker_urls


def masked_amqp_uri(amqp_uri):
    return ";".join(maybe_sanitize_url(url) for url in broker_urls(amqp_uri))


def mask_every_node_in_broker_errors():
    """nameko's consumers log the broker address when a connection fails; with every node masked.
    Applied once by ``nabo_common.runtime.patch.apply()``."""
    from nameko import messaging

    messaging.sanitize_url = masked_amqp_uri
