"""Where the messages of a network's conversation quote a thread's title, as their templates place it: so
that erasure takes a title out where it stands as the title (after "…in the network Kayak: ", between
the quotes of "replied in the thread "…"", at the end of an offer's subject), never where the same
letters stand for something else (a title "Hej" and the greeting "Hej Ane,"), and finds in the text of a
new thread's messages which thread its author opened and under which title.

Both are read off the templates themselves, rendered once per language with slot words in place of the
title, the author and the other values: the characters around the title's slot, and each line that
quotes it as a pattern. A template changed since a message was rendered still has its title framed
alike; a message whose lines no longer match simply yields no title."""
import re
from functools import lru_cache

from markupsafe import escape

from nabo_common.i18n.catalogues import LANGUAGES
from services.notifications.domain import rendering

# letters only, so that nothing escapes, splits or links them (as rendering's own slots)
TITLE, AUTHOR = "NaboTitleSlot", "NaboAuthorSlot"
OTHERS = {"network_name": "NaboNetworkSlot", "name": "NaboReaderSlot", "organisation_name": "NaboOrgSlot",
          "offered_themes_name": "NaboThemesSlot"}
# the messages that quote a thread's title, in each of their wordings
QUOTING = (
    *(("network_thread_started", {"thread_kind": kind, "mentioned": mentioned, "was_dormant": dormant})
      for kind in ("question", "announcement", "opportunity") for mentioned in (False, True)
      for dormant in (False, True)),
    *(("network_reply_posted", {"addressed": addressed}) for addressed in (None, "reply_to_you", "mention")),
    ("opportunity_offered", {}),
)
# the messages that say who opened the thread whose title they quote
OPENING = ("network_thread_started", "opportunity_offered")
FRAME = 2  # characters on each side of the title


@lru_cache(maxsize=1)
def _renders():
    """``[(kind, language, Rendered)]`` of every wording of every quoting message, and the digests that
    bundle them, with slot words for the values."""
    context = {**OTHERS, "thread_title": TITLE, "author_name": AUTHOR, "network_names": {},
               "action_url": "https://public.placeholder.invalid/v1/threads/x"}
    renders = []
    for language in LANGUAGES:
        messages = [(kind, rendering.render(kind, language, dict(context, **wording), None))
                    for kind, wording in QUOTING]
        items = [{"subject": m.subject, "summary": m.summary, "unsubscribe_url": None} for _, m in messages]
        digest = rendering.render("digest", language, {"name": OTHERS["name"], "items": items,
                                                       "period": "daily"}, None)
        renders += [(kind, language, m) for kind, m in messages] + [("digest", language, digest)]
    return renders


@lru_cache(maxsize=1)
def _frames():
    """The characters right before and right after the title wherever a message puts it (``None``: the
    start or the end of the text)."""
    before, after = set(), set()
    for _, _, message in _renders():
        for text in (message.subject, message.text, message.html, message.summary):
            for found in re.finditer(TITLE, text):
                start, end = found.start(), found.end()
                before.add(_to_line(text[max(0, start - FRAME):start], last=True) if start else None)
                after.add(_to_line(text[end:end + FRAME], last=False) if end < len(text) else None)
    return frozenset(before), frozenset(after)


def _to_line(frame, last):
    """A frame no further than the line break next to the title: what follows one is the next line's."""
    if "\n" not in frame:
        return frame
    return frame[frame.rindex("\n"):] if last else frame[:frame.index("\n") + 1]


def as_title(title, html=False):
    """A pattern of ``title`` where a message quotes it as the title (``html``: as the HTML part writes
    it)."""
    written = str(escape(title)) if html else title
    before, after = _frames()
    starts = [r"\A" if b is None else rf"(?<={re.escape(b)})" for b in sorted(before, key=str)]
    ends = [r"\Z" if a is None else re.escape(a) for a in sorted(after, key=str)]
    return re.compile(rf"(?:{'|'.join(starts)}){re.escape(written)}(?={'|'.join(ends)})")


def _line_pattern(line):
    """A line of a rendered message as a pattern: its words as they stand, its slots as what fills them."""
    pattern = re.escape(line)
    for slot in OTHERS.values():
        pattern = pattern.replace(slot, ".+?")
    return re.compile(pattern.replace(TITLE, "(?P<title>.+)", 1).replace(AUTHOR, "(?P<author>.+?)", 1))


@lru_cache(maxsize=1)
def _opening_lines():
    """``{language: ([title line patterns], [author line patterns])}`` of the messages of a new thread or
    an offer; a line may hold both (an offer's "Bo posted an opportunity …: title")."""
    lines = {}
    for kind, language, message in _renders():
        if kind in OPENING:
            titles, authors = lines.setdefault(language, ([], []))
            for line in message.text.splitlines():
                if TITLE in line:
                    titles.append(_line_pattern(line))
                elif AUTHOR in line:
                    authors.append(_line_pattern(line))
    return {language: (list(dict.fromkeys(t)), list(dict.fromkeys(a))) for language, (t, a) in lines.items()}


def opened_by(text, language, author_name):
    """The title a new thread's (or an offer's) message ``text`` in ``language`` quotes, if it says that
    ``author_name`` opened it; else None."""
    titles, authors = _opening_lines().get(language, ([], []))
    title, author = None, None
    for line in (text or "").splitlines():
        for pattern in titles + authors:
            found = pattern.fullmatch(line)
            if found:
                groups = found.groupdict()
                title = groups.get("title") or title
                author = groups.get("author") or author
                break
    return title if title and author == author_name else None
