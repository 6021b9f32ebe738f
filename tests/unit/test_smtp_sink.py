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
