"""Answers in more than one representation: ?format wins, otherwise the best
match of the Accept header; documents a service renders (CSV, Markdown, a
printable HTML page) go out as they are; an Accept header that takes none of
them gets 406."""

from werkzeug.wrappers import Response

from gateway.languages import speaks
from nabo_common.api.errors import NaboError
from nabo_common.i18n.catalogues import N_


class NotAcceptable(NaboError):
    status = 406
    title = N_("Not acceptable")

    def __init__(self, offered):
        super().__init__(N_("Ask for one of the formats offered: {offered}."), offered=", ".join(offered))


def chosen_format(request, media):
    """The format named by ?format, or the one of ``media`` (media type -> format, the first the
    default) that the Accept header prefers; an Accept header that takes none of them is refused
    (406, naming what is offered)."""
    if request.query.get("format"):
        return request.query["format"]
    offered = list(media)
    if not request.accept_mimetypes:
        return media[offered[0]]
    best = request.accept_mimetypes.best_match(offered)
    if best is None:
        raise NotAcceptable(offered)
    return media[best]


def document_response(document, language, vary="Accept, Accept-Language"):
    """A service's {content_type, filename, body}, written in ``language``: pages to read in the browser,
    other files to save."""
    disposition = "inline" if document["content_type"].startswith("text/html") else "attachment"
    return speaks(Response(
        document["body"],
        content_type=document["content_type"],
        headers={"Content-Disposition": f'{disposition}; filename="{document["filename"]}"', "Vary": vary},
    ), language)
