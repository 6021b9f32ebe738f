"""Likely duplicates among a panel's ideas.

Texts are short (a title and the need behind the idea) and written in the
panel's language, so they are normalised per language first: lower case,
stop words dropped (stop-words lists for da, nl, de, sv, en) and words reduced
to their Snowball stems, so "grønne virksomheder" and "grøn virksomhed" meet.
RapidFuzz then scores the normalised texts. token_set_ratio alone gives 100
whenever one text's words are a subset of the other's, which for a two-word
title says little; averaging it with token_sort_ratio keeps word order out of
it while still penalising a short text that merely shares one word.
"""
import re
from functools import lru_cache

import snowballstemmer
import stop_words
from rapidfuzz import fuzz, process
from sqlalchemy import select

from services.ideas.models import Idea

STEMMER_NAMES = {"da": "danish", "nl": "dutch", "de": "german", "sv": "swedish", "en": "english"}
WORD = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=None)
def _stemmer(language):
    return snowballstemmer.stemmer(STEMMER_NAMES.get(language, "english"))


@lru_cache(maxsize=None)
def _stop_words(language):
    try:
        return frozenset(stop_words.get_stop_words(language))
    except stop_words.StopWordError:
        return frozenset()


def normalise(text, language):
    words = [w for w in WORD.findall((text or "").lower()) if w not in _stop_words(language)]
    return " ".join(_stemmer(language).stemWords(words))


def match_text(idea, language):
    return normalise(f"{idea.title} {idea.need or ''}", language)


def score(a, b, score_cutoff=None, **_kwargs):
    value = (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2
    return value if score_cutoff is None or value >= score_cutoff else 0


def most_similar(text, candidates, limit, min_score):
    """``candidates`` maps idea id to normalised text; returns [(id, score)] best first."""
    if not text or not candidates:
        return []
    found = process.extract(text, candidates, scorer=score, limit=limit, score_cutoff=min_score)
    return [(key, round(value, 1)) for _choice, value, key in found if value >= min_score]


def refresh_match_texts(session, panel):
    """Re-normalise every idea of a panel (after its language changed)."""
    for idea in session.scalars(select(Idea).where(Idea.panel_id == panel.id)):
        idea.match_text = match_text(idea, panel.language)
