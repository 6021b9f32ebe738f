"""Answers in more than one representation: ?format wins, otherwise the best
match of the Accept header; documents a service renders (CSV, Markdown, a
printable HTML page) go out as they are."""

from werkzeug.wrappers import Response


def chosen_format(request, media):
    """The format named by ?format, or the one of ``media`` (media type -> format, the first the
    default) that the Accept header prefers."""
    if request.query.get("format"):
        return request.query["format"]
    offered = list(media)
    return media[request.accept_mimetypes.best_match(offered, default=offered[0])]


def document_response(document, vary="Accept, Accept-Language"):
    """A service's {content_type, filename, body}: pages to read in the browser, other files to save."""
    disposition = "inline" if document["content_type"].startswith("text/html") else "attachment"
    return Response(
        document["body"],
        content_type=document["content_type"],
        headers={"Content-Disposition": f'{disposition}; filename="{document["filename"]}"', "Vary": vary},
    )
