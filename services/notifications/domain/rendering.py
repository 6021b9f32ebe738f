"""Messages rendered from Jinja2 templates in five languages.

Each message kind has one template (``templates/<kind>.j2``) with the blocks
``subject``, ``body`` (plain text; blank lines separate paragraphs) and
optionally ``action`` (the label of the main link). Its texts are gettext
messages (Jinja2's i18n extension: ``{% trans %}`` blocks with named places,
``{% pluralize %}`` where a count matters), read from nabo's catalogues in the
recipient's language. The layouts ``base.txt.j2`` and ``base.html.j2`` wrap the
body; the HTML layout is rendered with autoescape, so names and titles coming
from users can never inject markup. Dates and times are formatted with Babel in
the recipient's language and the event's time zone.
"""
import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, format_time, format_timedelta
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import escape

from contracts.api.common import LANGUAGES
from nabo_common.i18n.catalogues import N_, gettext, translations

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FALLBACK_LANGUAGE = "en"
URL_RE = re.compile(r"https?://[^\s<>\"')\]]+")


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    summary: str = ""
    attachments: list = field(default_factory=list)


def zone_of(name):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _as_datetime(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value


@pass_context
def _datetime_filter(ctx, value, time_zone=None):
    """'Tuesday, 3 March 2026, 14:00 CET' in the template's language and the given zone."""
    if not value:
        return ""
    return _local_datetime(value, time_zone or ctx.get("time_zone"), ctx.get("language", FALLBACK_LANGUAGE))


@lru_cache(maxsize=4096)
def _local_datetime(value, time_zone, locale):
    # remembered: every confirmation of one event shows the same start, and Babel's three formats cost
    # more than the rest of the message
    tz = zone_of(time_zone)
    local = _as_datetime(value).astimezone(tz)
    return (f"{format_date(local, 'full', locale=locale)}, "
            f"{format_time(local, 'short', tzinfo=tz, locale=locale)} "
            f"{format_datetime(local, 'zzz', tzinfo=tz, locale=locale)}")


@pass_context
def _date_filter(ctx, value):
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value, "long", locale=ctx.get("language", FALLBACK_LANGUAGE))


@pass_context
def _duration_filter(ctx, minutes):
    """'1 hour', '1 time', '30 Minuten' in the template's language."""
    return format_timedelta(timedelta(minutes=int(minutes or 0)), threshold=1.5,
                            locale=ctx.get("language", FALLBACK_LANGUAGE))


def _environment(autoescape):
    # the templates ship with the code: no file is checked for changes on every message (auto_reload)
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    env.filters["datetime"] = _datetime_filter
    env.filters["date"] = _date_filter
    env.filters["duration"] = _duration_filter
    return env


TEXT = _environment(False)
HTML = _environment(True)


def pick_language(*candidates, available=LANGUAGES):
    for language in candidates:
        if language in available:
            return language
    return FALLBACK_LANGUAGE if FALLBACK_LANGUAGE in available else next(iter(available))


def _in(language, variables):
    """``variables`` with the language and its catalogue's gettext functions, which trans blocks call."""
    catalogue = translations(language)
    return dict(variables, language=language, gettext=catalogue.gettext, ngettext=catalogue.ngettext,
                pgettext=catalogue.pgettext, npgettext=catalogue.npgettext)


def _block(template, name, context):
    if name not in template.blocks:
        return ""
    return "".join(template.blocks[name](template.new_context(context))).strip()


def segments(paragraph):
    """Split text into ('text', ...) and ('url', ...) parts so the HTML layout can link URLs safely."""
    parts, position = [], 0
    for match in URL_RE.finditer(paragraph):
        if match.start() > position:
            parts.append(("text", paragraph[position : match.start()]))
        parts.append(("url", match.group(0)))
        position = match.end()
    if position < len(paragraph):
        parts.append(("text", paragraph[position:]))
    return parts


def paragraphs(body):
    return [
        [segments(line) for line in p.strip().split("\n")] for p in re.split(r"\n\s*\n", body) if p.strip()
    ]


def wrap(language, subject, body, action=None, action_url=None, unsubscribe_url=None, sender=None,
         reason=None, network=None):
    """Lay a plain-text body out as the text and HTML parts of an e-mail; the footer says why the reader
    gets it (``reason``, else for their activity in a network) and, with ``network``, that the
    unsubscribe link stops that network's mail."""
    layout = _in(language, {
        "subject": subject,
        "body": body,
        "action": action,
        "action_url": action_url,
        "unsubscribe_url": unsubscribe_url,
        "sender": sender,
        "reason": reason,
        "network": network,
        "paragraphs": paragraphs(body),
    })
    text = TEXT.get_template("base.txt.j2").render(layout).strip() + "\n"
    html = HTML.get_template("base.html.j2").render(layout)
    return text, html


def in_readers_language(context, language):
    """A name given in several languages (``network_names``) is shown in the reader's: ``network_name``
    becomes that one where there is one."""
    chosen = {key[: -len("s")]: value[language] for key, value in context.items()
              if key.endswith("_names") and isinstance(value, dict) and value.get(language)}
    return {**context, **chosen}


def name_in(language, name, names):
    """``name`` as the reader of ``language`` reads it: its entry in ``names`` where there is one."""
    return in_readers_language({"network_name": name, "network_names": names or {}}, language)["network_name"]


def _premises(language, host_name):
    return gettext(language, N_("Premises of {name}"), name=host_name)


def venue_in_readers_language(context, language):
    """An event held at a host company's premises (no address) says so in the reader's language, as does
    a change of venue from or to such premises."""
    event, changes = context.get("event"), context.get("changes")
    if isinstance(event, dict) and event.get("venue_host_name") and not event.get("venue_address"):
        context = {**context, "event": {**event, "venue": _premises(language, event["venue_host_name"])}}
    if isinstance(changes, list):
        context = {**context, "changes": [_change_in(language, change) for change in changes]}
    return context


def _change_in(language, change):
    if not isinstance(change, dict):
        return change
    return dict(change, **{side: _premises(language, change[f"{side}_host_name"])
                           for side in ("old", "new") if change.get(f"{side}_host_name")})


# what a subject may hold: deliveries and inbox items keep it in 500 characters, and mail clients show
# far less; a longer one (many names in it) ends in an ellipsis instead of failing the delivery
MAX_SUBJECT = 300  # a campaign's own subject may be this long


def shortened(subject, limit=MAX_SUBJECT):
    return subject if len(subject) <= limit else subject[:limit - 1].rstrip(" ,") + "…"


def render(kind, language, context, unsubscribe_url=None):
    """Render message ``kind`` in ``language`` (falling back to English) with ``context``."""
    language = pick_language(language)
    variables = _in(language, venue_in_readers_language(in_readers_language(context, language), language))
    template = TEXT.get_template(f"{kind}.j2")
    subject = shortened(" ".join(_block(template, "subject", variables).split()))
    body = _block(template, "body", variables)
    action = _block(template, "action", variables) or None
    action_url = variables.get("action_url") if action else None
    reason = _block(template, "reason", variables) or None
    network = variables.get("network_name") if unsubscribe_url else None  # the link stops that network's
    text, html = wrap(language, subject, body, action, action_url, unsubscribe_url, reason=reason,
                      network=network or None)
    return Rendered(subject=subject, text=text, html=html, summary=body)


# The messages of one event that differ between readers only in the reader's name and cancel link: each
# is laid out once per event, language and everything else the message shows, with slots that take the
# name and the link. Laying out Jinja's templates and the HTML was the larger part of handling a
# registration.
READERS_MESSAGES = frozenset(
    {"registration_confirmed", "registration_waitlisted", "registration_promoted", "registration_cancelled"}
)
# letters only, so that nothing escapes, splits or links them
NAME_SLOT = "NaboReadersNameSlot"
CANCEL_SLOT = "https://cancel.placeholder.invalid/link"
LAYOUTS_KEPT = 1024
_layouts = OrderedDict()


def render_for_reader(kind, language, context, unsubscribe_url=None):
    """What ``render`` renders, from the layout of ``kind`` kept for the context without its reader's
    ``name`` and ``cancel_url`` where those fill its slots as rendering would write them: a name of one
    printable line without a link, a link that is one URL."""
    name, cancel_url = context.get("name", ""), context.get("cancel_url")
    key = _layout_key(kind, language, context, unsubscribe_url) if kind in READERS_MESSAGES else None
    if key is None or not _fits_slots(name, cancel_url):
        return render(kind, language, context, unsubscribe_url)
    layout = _layouts.get(key)
    if layout is None:
        slotted = dict(context, name=NAME_SLOT, **({"cancel_url": CANCEL_SLOT} if cancel_url else {}))
        layout = render(kind, language, slotted, unsubscribe_url)
        if NAME_SLOT in layout.subject or CANCEL_SLOT in layout.subject:
            return render(kind, language, context, unsubscribe_url)  # a subject is shortened: no slots
        _layouts[key] = layout
        if len(_layouts) > LAYOUTS_KEPT:
            _layouts.popitem(last=False)
    text, html = layout.text, layout.html
    plain = ((NAME_SLOT, name), (CANCEL_SLOT, cancel_url)) if cancel_url else ((NAME_SLOT, name),)
    for slot, value in plain:
        text = text.replace(slot, value)
        html = html.replace(slot, escape(value))
    summary = layout.summary
    for slot, value in plain:
        summary = summary.replace(slot, value)
    return replace(layout, text=text, html=html, summary=summary, attachments=[])


def _fits_slots(name, cancel_url):
    if not isinstance(name, str) or not name.isprintable() or name != name.strip() or "http" in name:
        return False
    if NAME_SLOT in name or CANCEL_SLOT in name:
        return False
    return not cancel_url or (isinstance(cancel_url, str) and URL_RE.fullmatch(cancel_url) is not None)


def _layout_key(kind, language, context, unsubscribe_url):
    """The layout's key: everything but the reader's name and link (their presence counts), or None for a
    context holding values that cannot be a key."""
    try:
        shown = _frozen({k: v for k, v in context.items() if k not in ("name", "cancel_url")})
        key = (kind, pick_language(language), unsubscribe_url, "cancel_url" in context,
               bool(context.get("cancel_url")), shown)
        hash(key)
    except TypeError:
        return None
    return key


def _frozen(value):
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_frozen(v) for v in value))
    return (type(value).__name__, value)


def render_page(name, language, context):
    """An HTML page (the unsubscribe confirmation), autoescaped."""
    language = pick_language(language)
    return HTML.get_template(f"{name}.html.j2").render(_in(language, context))


@lru_cache(maxsize=None)
def kinds():
    """Message kinds: every template but the layouts and the pages."""
    return sorted(
        p.stem
        for p in TEMPLATES.glob("*.j2")
        if not p.name.startswith("base.") and not p.name.endswith(".html.j2")
    )
