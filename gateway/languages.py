"""Which language an answer's words are in: ``Content-Language`` (RFC 9110, 8.5) names it, and
``Vary: Accept-Language`` tells caches that another Accept-Language may get other words.

Said on what is written in the reader's language: every problem (``problems.localise``), the
documents and calendars services render for the caller, and the JSON answers of routes declared
``localised`` (their services choose labels and names by ``caller.language``). Answers of other
routes hold no words chosen by language and name none. The pages a link in a mail opens are in the
language of the person or registration the link names, whatever the request asks: they name it
(``written_in``) without varying on Accept-Language. A replayed answer (Idempotency-Key) keeps the
language of its first answer, whatever the retry asks."""


from gateway.conditional import vary_on

CHOSEN_BY = ("Accept-Language",)


def written_in(response, language):
    """Mark ``response`` as written in ``language``, chosen by what it is about (a link page's person
    or registration), not by the request's Accept-Language."""
    response.headers.set("Content-Language", language)
    return response


def speaks(response, language):
    """Mark ``response`` as written in ``language``, as the request's Accept-Language chose it."""
    written_in(response, language)
    vary_on(response.headers, CHOSEN_BY)
    return response
