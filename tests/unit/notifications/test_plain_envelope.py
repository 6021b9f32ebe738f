"""MAIL FROM and RCPT TO written without parsing plain addresses say what smtplib's own methods say."""
import smtplib
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notifications import mailer

ATEXT = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
atoms = st.text(alphabet=ATEXT, min_size=1, max_size=12)
dot_atoms = st.lists(atoms, min_size=1, max_size=4).map(".".join)
plain_addresses = st.builds(lambda local, domain: f"{local}@{domain}", dot_atoms, dot_atoms)

NOT_PLAIN = [
    "Anne Holm <anne@example.dk>",
    '"anne holm"@example.dk',
    "anne..holm@example.dk",
    ".anne@example.dk",
    "anne.@example.dk",
    "anne@[192.0.2.1]",
    "anne@example.dk ",
    "anne@example.dk\r\nRCPT TO:<x@example.org>",
    "anne(comment)@example.dk",
    "ænne@eksempel.dk",
    "<anne@example.dk>",
    "anne",
    "",
]


@given(plain_addresses)
def test_a_plain_address_is_quoted_as_smtplib_quotes_it(address):
    assert mailer.PLAIN_ADDRESS_RE.fullmatch(address)
    assert smtplib.quoteaddr(address) == f"<{address}>"


@given(st.text(alphabet=ATEXT + '.@<>" ()[]\r\n,;:\\æ', max_size=40))
def test_whatever_passes_for_plain_smtplib_quotes_as_it_is(text):
    if mailer.PLAIN_ADDRESS_RE.fullmatch(text):
        assert smtplib.quoteaddr(text) == f"<{text}>"


@pytest.mark.parametrize("address", NOT_PLAIN)
def test_other_addresses_are_not_plain(address):
    assert not mailer.PLAIN_ADDRESS_RE.fullmatch(address)


class Recording:
    """A connection that records the commands it would send and answers 250."""

    def __init__(self):
        self.sent = []
        self.does_esmtp = True
        self.esmtp_features = {"size": "", "smtputf8": ""}

    def putcmd(self, cmd, args=""):
        self.sent.append((cmd, args))

    def getreply(self):
        return 250, b"OK"


class RecordingPlain(Recording, mailer.Smtp):
    pass


class RecordingStdlib(Recording, smtplib.SMTP):
    pass


@pytest.mark.parametrize("address", ["anne.holm@example.dk", "bare@floor.invalid", *NOT_PLAIN[:2],
                                     NOT_PLAIN[5], NOT_PLAIN[9]])
@pytest.mark.parametrize("options", [(), ("size=1234",), ("size=1234", "SMTPUTF8")])
def test_the_commands_are_smtplibs(address, options):
    ours, theirs = RecordingPlain(), RecordingStdlib()
    for connection in (ours, theirs):
        assert connection.mail(address, options) == (250, b"OK")
        assert connection.rcpt(address, options[:1]) == (250, b"OK")
    assert ours.sent == theirs.sent
    assert ours.sent[0][1].startswith("FROM:<")
