"""What translators have left to do: every message of the template (``nabo.pot``) needs a translation
in each language's catalogue, with the same places (``{name}``, ``%(name)s``) as its English. ``python -m
nabo_common.i18n.check`` lists what is missing and exits 1 if anything is."""
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from nabo_common.i18n.catalogues import LANGUAGES, LOCALE_DIR, po_path
from nabo_common.i18n.field_messages import PLACE_RE

TEMPLATE = LOCALE_DIR / "nabo.pot"
# Jinja2's trans blocks write their places the old way
PERCENT_PLACE_RE = re.compile(r"%\((\w+)\)s")


def _places(text):
    return set(PLACE_RE.findall(text)) | set(PERCENT_PLACE_RE.findall(text))


def _read(path):
    with Path(path).open("rb") as handle:
        return read_po(handle)


def _texts(message):
    return message if isinstance(message, (tuple, list)) else (message,)


def problems(template=TEMPLATE):
    """(language, message id, what is wrong) for each entry a catalogue lacks or gets wrong."""
    wanted = [m for m in _read(template) if m.id]
    found = []
    for language in LANGUAGES:
        catalogue = _read(po_path(language))
        for message in wanted:
            key = message.id if isinstance(message.id, str) else message.id[0]
            entry = catalogue.get(message.id, context=message.context)
            translations = _texts(entry.string) if entry is not None else ()
            if entry is None or entry.fuzzy or not all(translations):
                found.append((language, key, "untranslated"))
                continue
            if any(_places(t) != _places(key) for t in translations):
                found.append((language, key, "places differ from the English"))
    return found


def main():
    found = problems()
    for language, message, what in found:
        print(f"{language}: {what}: {message!r}")
    print(f"{len(found)} catalogue entries to do" if found else "every catalogue is complete")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
