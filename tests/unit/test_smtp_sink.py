"""The development SMTP sink's counts, which the benchmarks read off its /status."""
from scripts.smtp_sink import Mailbox


def raw_message(to_header, body=b"Hello\r\n"):
    return b"From: nabo <noreply@nabo.example>\r\nTo: " + to_header + b"\r\nSubject: Hi\r\n\r\n" + body


def test_counting_tallies_messages_their_bytes_and_recipients():
    mailbox = Mailbox(count_only=True)
    first = raw_message(b"Ada <ada@example.test>")
    second = raw_message(b"bo@example.test", body=b"x" * 500 + b"\r\n")

    mailbox.count(["ada@example.test"], first)
    mailbox.count(["Bo@example.test"], second)
    mailbox.count(["ada@example.test"], first)

    assert mailbox.status() == {"messages": 3, "bytes": 2 * len(first) + len(second), "recipients": 3,
                                "distinct_recipients": 2, "not_in_to_header": 0}


def test_a_recipient_missing_from_the_to_header_is_counted():
    mailbox = Mailbox(count_only=True)

    mailbox.count(["ada@example.test", "eve@example.test"], raw_message(b"ada@example.test"))

    status = mailbox.status()
    assert status["recipients"] == 2
    assert status["not_in_to_header"] == 1


def test_a_to_header_folded_over_lines_is_read_whole():
    mailbox = Mailbox(count_only=True)

    mailbox.count(["bo@example.test"], raw_message(b"ada@example.test,\r\n bo@example.test"))

    assert mailbox.status()["not_in_to_header"] == 0


def test_a_kept_message_is_served_as_it_was_received_for_an_email_parser():
    import email
    import email.policy
    import threading
    from http.server import ThreadingHTTPServer

    import requests

    from scripts.smtp_sink import _http_handler

    mailbox = Mailbox(keep=2)
    raw = raw_message(b"=?utf-8?q?S=C3=B8ren?= <soren@example.test>", body="Hej Søren\r\n".encode())
    raw = raw.replace(b"Subject: Hi\r\n", b"Subject: Hi\r\nContent-Type: text/plain; charset=utf-8\r\n")
    for n in range(3):  # the first falls out of the kept ones
        entry = mailbox.add("noreply@nabo.example", ["soren@example.test"], raw + str(n).encode())
    web = ThreadingHTTPServer(("127.0.0.1", 0), _http_handler(mailbox))
    threading.Thread(target=web.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{web.server_address[1]}"
    try:
        listed = requests.get(base, params={"format": "json"}, timeout=5).json()
        assert [m["id"] for m in listed] == [3, 2] and listed[0]["raw_url"] == "/messages/3.eml"
        served = requests.get(base + entry["raw_url"], timeout=5)
        assert served.headers["Content-Type"] == "message/rfc822" and served.content == raw + b"2"
        parsed = email.message_from_bytes(served.content, policy=email.policy.default)
        assert str(parsed["To"]) == "Søren <soren@example.test>"
        assert parsed.get_content().startswith("Hej Søren")
        assert requests.get(base + "/messages/1.eml", timeout=5).status_code == 404
    finally:
        web.shutdown()
