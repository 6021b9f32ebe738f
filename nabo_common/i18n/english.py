"""Write the English catalogue from the template: English is the language the messages are written in,
so each translation is its message id. ``python -m nabo_common.i18n.english nabo.pot en/.../nabo.po``."""
import sys

from babel.messages.pofile import read_po, write_po


def write_english(template, target):
    with open(template, "rb") as handle:
        catalogue = read_po(handle, locale="en")
    for message in catalogue:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    with open(target, "wb") as handle:
        write_po(handle, catalogue, width=0, omit_header=False)


if __name__ == "__main__":
    write_english(*sys.argv[1:3])
