"""Where an introduction's messages quote what one of the people introduced wrote ("Message from Katrin:
…", the last thing the message says): so that erasure takes the text of an erased person's message out
of the mail and inbox items others got of it, and nothing else.

As ``quoted_titles`` does for titles, this is read off the template itself, rendered once per language
with slot words in place of the writer and the message: the words before the message on its line, and
the characters that follow it (the mail's footer, the end of the HTML part's body, the end of the text)."""
import re
from functools import lru_cache

from markupsafe import escape

from nabo_common.i18n.catalogues import LANGUAGES
from services.notifications.domain import rendering

# letters only, so that nothing escapes, splits or links them
WRITER, MESSAGE = "NaboWriterSlot", "NaboMessageSlot"
# the messages that quote what a person wrote
QUOTING = ("match_introduced",)
FRAME = 12  # characters after the message: enough to tell the message's own line breaks from the end


@lru_cache(maxsize=1)
def _frames():
    """``({html: {words before the message, with the writer's slot}}, {html: {(what follows it, whether
    that ends the text)}})``."""
    before, after = {False: set(), True: set()}, {False: set(), True: set()}
    context = {"name": "NaboReaderSlot", "reasons": [], "message": MESSAGE, "writer": WRITER,
               "others": [{"organisation_name": "NaboOrgSlot", "contact_name": "NaboContactSlot",
                           "contact_email": None}]}
    for kind in QUOTING:
        for language in LANGUAGES:
            for unsubscribe_url in (None, "https://unsubscribe.placeholder.invalid/x"):
                message = rendering.render(kind, language, context, unsubscribe_url)
                for text, html in ((message.text, False), (message.summary, False), (message.html, True)):
                    start = text.index(MESSAGE)
                    line = text[:start].rsplit("\n", 1)[-1].rsplit(">", 1)[-1]
                    before[html].add(line)
                    rest = text[start + len(MESSAGE):]
                    after[html].add((rest, True) if len(rest) <= FRAME else (rest[:FRAME], False))
    return before, after


def as_message(writer, html=False):
    """A pattern of the text of a message ``writer`` wrote where a message quotes it (``html``: in the
    HTML part), the words naming them left as they are."""
    written = str(escape(writer)) if html else writer
    before, after = _frames()
    starts = [rf"(?<={re.escape(b).replace(WRITER, re.escape(written))})" for b in sorted(before[html])]
    ends = [re.escape(rest) + (r"\Z" if at_end else "") for rest, at_end in sorted(after[html])]
    return re.compile(rf"(?:{'|'.join(starts)}).+?(?={'|'.join(ends)})", re.DOTALL)
