"""Bring the English catalogue up to date with the template: English is the language the messages are
written in, so each translation is its message id. ``python -m nabo_common.i18n.english nabo.pot
en/LC_MESSAGES/nabo.po``; the catalogue's header is kept."""
import io
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def write_english(template, target):
    with open(template, "rb") as handle:
        wanted = read_po(handle, locale="en")
    if Path(target).exists():
        with open(target, "rb") as handle:
            catalogue = read_po(handle, locale="en")
        catalogue.update(wanted, no_fuzzy_matching=True)
        catalogue.obsolete.clear()
    else:
        catalogue = wanted
    for message in catalogue:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    written = io.BytesIO()  # written whole, or not at all
    write_po(written, catalogue, width=0, sort_output=True)
    Path(target).write_bytes(written.getvalue())


if __name__ == "__main__":
    write_english(*sys.argv[1:3])
