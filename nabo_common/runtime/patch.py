"""Green-thread patching, applied once before anything opens a socket.

nameko runs on eventlet; without these patches psycopg2 would block the
whole hub during a query and every other worker would wait behind it.
"""
_patched = False


def apply():
    global _patched
    if _patched:
        return
    import eventlet

    eventlet.monkey_patch()
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()
    from nabo_common.runtime.expected_errors import leave_expected_errors_to_the_worker_line
    from nabo_common.runtime.heartbeats import heartbeat_after_every_drain
    from nabo_common.runtime.http_sockets import replies_without_nagle_delay
    from nabo_common.runtime.jsoncodec import use_for_messages
    from nabo_common.runtime.masking import mask_every_node_in_broker_errors
    from nabo_common.runtime.rpc import (
        drop_connections_of_interrupted_publishes,
        drop_requests_past_their_deadline,
        keep_serving_when_a_reply_is_lost,
        replies_without_publisher_confirms,
    )

    heartbeat_after_every_drain()
    replies_without_nagle_delay()

    keep_serving_when_a_reply_is_lost()
    drop_requests_past_their_deadline()
    replies_without_publisher_confirms()
    drop_connections_of_interrupted_publishes()
    use_for_messages()
    leave_expected_errors_to_the_worker_line()
    mask_every_node_in_broker_errors()
    _patched = True
