"""A publish takes its producer from the pool nameko would find for it, found once per set of options."""
from kombu import Connection
from kombu.pools import producers
from nameko.constants import DEFAULT_TRANSPORT_OPTIONS

from nabo_common.runtime.rpc import producer_pool

URI = "amqp://guest:guest@127.0.0.1:5672/producer-pools-test"


def nameko_finds(uri=URI, confirms=True, ssl=None):
    options = dict(DEFAULT_TRANSPORT_OPTIONS, confirm_publish=confirms)
    return producers[Connection(uri, transport_options=options, ssl=ssl)]


def test_a_publish_takes_the_pool_nameko_would_find_for_its_options():
    options = DEFAULT_TRANSPORT_OPTIONS.copy()
    pool = producer_pool(URI, True, None, None, options)
    assert options["confirm_publish"] is True  # the publisher's options say it, as nameko's do
    assert pool is nameko_finds() is producer_pool(URI, True, None, None, DEFAULT_TRANSPORT_OPTIONS.copy())
    assert producer_pool(URI) is pool  # nameko's defaults when a publisher gives none
    unconfirmed = producer_pool(URI, False, None, None, DEFAULT_TRANSPORT_OPTIONS.copy())
    assert unconfirmed is nameko_finds(confirms=False) and unconfirmed is not pool
    elsewhere = producer_pool(URI + "-2", True, None, None, DEFAULT_TRANSPORT_OPTIONS.copy())
    assert elsewhere is nameko_finds(URI + "-2") and elsewhere is not pool


def test_options_that_cannot_be_a_key_still_find_nameko_s_pool():
    ssl = {"cert_reqs": 0}
    assert producer_pool(URI, True, ssl, None, DEFAULT_TRANSPORT_OPTIONS.copy()) is nameko_finds(ssl=ssl)
