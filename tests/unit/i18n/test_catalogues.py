"""The catalogues are complete and current, the language is negotiated as HTTP means it, and no problem
the API can answer reads English in another language."""
import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from werkzeug.exceptions import MethodNotAllowed, NotFound

from gateway import problems, server
from gateway.documents import NotAcceptable
from gateway.parsing import UnsupportedMediaType
from nabo_common.api import errors
from nabo_common.i18n import check, extract, negotiation
from nabo_common.i18n.catalogues import LANGUAGES, LOCALE_DIR, N_, gettext
from nabo_common.i18n.field_messages import CODES, field_errors, message_id_of

ROOT = Path(__file__).resolve().parents[3]
TRANSLATED = [language for language in LANGUAGES if language != "en"]
# words some languages write as English does
SHARED_WORDS = {
    "Webhook", "Conflict", "Budget", "Initiative", "Hybrid", "Online", "Format", "Status", "line 1: {exc}",
    "Start", "online", "hybrid", "LinkedIn", "Facebook", "E-mail",
    "Direct mail", "Feedback", "Newsletter", "Website", "Period", "Organisation",
}


def _ids(path):
    with open(path, "rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_every_message_is_translated_in_every_language():
    assert check.problems() == []


def test_an_entry_with_a_context_is_checked_as_its_own(tmp_path):
    # "Format" is translated without a context, but not in this one
    template = tmp_path / "nabo.pot"
    template.write_text('msgid ""\nmsgstr ""\n\nmsgctxt "no such context"\nmsgid "Format"\nmsgstr ""\n')
    assert ("da", "Format", "untranslated") in check.problems(template)


def test_the_template_holds_every_message_the_code_has(tmp_path):
    fresh = tmp_path / "nabo.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
                    "--no-location", "-o", str(fresh), "gateway", "services", "nabo_common", "contracts"],
                   cwd=ROOT, check=True)
    assert _ids(fresh) == _ids(LOCALE_DIR / "nabo.pot"), "run make i18n-extract and translate what is new"


def _made_up_texts(tree):
    """Where a domain error's message or field message, or a text bound for one in the same function, is
    an f-string: such a text cannot be found in the catalogue by its message id."""
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.Module)):
            continue
        built = {target.id for node in ast.walk(function)
                 if isinstance(node, ast.Assign) and isinstance(node.value, ast.JoinedStr)
                 for target in node.targets if isinstance(target, ast.Name)}
        for call in ast.walk(function):
            if not isinstance(call, ast.Call) or extract._name(call.func) not in extract.ERRORS:
                continue
            for argument in call.args[:2]:
                for node in ast.walk(argument):
                    if isinstance(node, ast.JoinedStr) or isinstance(node, ast.Name) and node.id in built:
                        yield call.lineno


def test_no_domain_error_says_a_text_made_up_before_it_was_raised():
    """``NotFound("Post {post_id} not found.", post_id=...)``, never ``NotFound(f"Post {post_id} ...")``:
    the message id and its values cross RPC, so the gateway says it in the reader's language."""
    found = [f"{path.relative_to(ROOT)}:{line}" for path in sorted(ROOT.glob("services/*/domain/**/*.py"))
             for line in _made_up_texts(ast.parse(path.read_text()))]
    assert found == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_catalogue_entry_reads_as_its_english(language):
    same = [i for i in _ids(LOCALE_DIR / "nabo.pot") if gettext(language, i) == i and i not in SHARED_WORDS]
    assert same == []


@pytest.mark.parametrize("header, expected", [
    ("de", "de"), ("de-AT, en;q=0.5", "de"), ("en;q=0.3, sv;q=0.9", "sv"), ("fr, nl;q=0.1", "nl"),
    ("sv-FI", "sv"), ("da;q=0, de;q=0.2", "de"), ("fr", "nl"), ("", "nl"), ("*", "nl"), ("EN-us", "en"),
])
def test_accept_language_is_negotiated_with_q_values(header, expected):
    assert negotiation.negotiate(header, "nl") == expected


def test_without_any_preference_the_language_is_english():
    assert negotiation.negotiate(None, None, "xx") == "en"


def _rendered(response, language):
    problems.localise(response, language)
    return json.loads(response.get_data())


def _error_classes():
    return [cls for cls in vars(errors).values()
            if isinstance(cls, type) and issubclass(cls, errors.NaboError)]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_problem_title_is_translated_and_its_type_stays(language):
    for cls in _error_classes():
        english = _rendered(problems.problem_for(cls("Sign in first.")), "en")
        body = _rendered(problems.problem_for(cls("Sign in first.")), language)
        assert body["type"] == english["type"]
        assert body["title"] != english["title"] or body["title"] == "Conflict", cls
        assert body["detail"] == gettext(language, "Sign in first.") != "Sign in first."


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_gateways_own_problems_are_translated(language):
    request = type("Request", (), {"path": "/v1/nowhere", "headers": {"Accept-Language": language}})()
    for exc in (NotFound(), MethodNotAllowed(valid_methods=["GET"])):
        english = json.loads(server.unmatched(request, exc).get_data())
        body = _rendered(server.unmatched(request, exc), language)
        assert body["title"] != english["title"] and body["detail"] != english["detail"]


def test_a_detail_is_rendered_with_its_values_in_the_readers_language():
    refused = errors.Forbidden("This network is for people up to {max_age}.", max_age=30)
    assert refused.detail == "This network is for people up to 30."
    assert _rendered(problems.problem_for(refused), "sv")["detail"] == (
        "Det här nätverket är för personer upp till 30 år.")


def test_a_value_naming_what_was_not_found_is_translated_too():
    missing = errors.NotFound("{what} not found.", what="Network")
    assert _rendered(problems.problem_for(missing), "da")["detail"] == "Netværk blev ikke fundet."


def test_an_error_crossing_rpc_keeps_its_message_id_and_values():
    from nameko.exceptions import deserialize, serialize

    message = "This network is for people up to {max_age}."
    again = deserialize(serialize(errors.Forbidden(message, max_age=30)))
    assert (type(again), again.message, again.detail) == (
        errors.Forbidden, message, "This network is for people up to 30.")
    assert _rendered(problems.problem_for(again), "de")["detail"] == (
        "Dieses Netzwerk ist für Menschen bis 30 Jahre.")


def test_formatted_marshmallow_messages_are_found_by_their_message_id():
    assert message_id_of("Length must be between 1 and 200.") == (
        "Length must be between {min} and {max}.", {"min": "1", "max": "200"})
    assert message_id_of("Must be one of: open, request.") == ("Must be one of: {choices}.",
                                                              {"choices": "open, request"})


def test_field_errors_keep_their_shape_and_gain_stable_codes():
    shaped, flat = field_errors({"email": ["Not a valid email address."],
                                 "organisations": {"0": {"role": ["Must be one of: contact, owner."]}}}, "nl")
    assert shaped == {"email": ["Geen geldig e-mailadres."],
                      "organisations": {"0": {"role": ["Moet een van de volgende zijn: contact, owner."]}}}
    assert flat == [
        {"field": "email", "code": "invalid_email", "message": "Geen geldig e-mailadres."},
        {"field": "organisations.0.role", "code": "invalid_choice",
         "message": "Moet een van de volgende zijn: contact, owner."},
    ]


def test_every_code_is_a_language_free_identifier():
    assert all(code.isidentifier() and code.islower() for code in CODES.values())


def _problem_of_status(status):
    """The problem the gateway answers with ``status``, as a route's failure would raise it."""
    gateway_own = {411: (N_("Length required"), N_("The body may be at most {max_bytes} bytes.")),
                   413: (N_("Payload too large"), N_("The request body is too large.")),
                   415: (UnsupportedMediaType.title, N_("Send the body as application/json.")),
                   406: (NotAcceptable.title, N_("Ask for one of the formats offered: {offered}."))}
    if status in gateway_own:
        title, detail = gateway_own[status]
        return problems.problem(status, title, detail, params={"max_bytes": 10, "offered": "text/csv"})
    [cls] = [c for c in _error_classes() if c.status == status]
    return problems.problem_for(cls("Sign in first.", {"email": ["Not a valid email address."]}))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_error_the_api_document_names_is_translated(language):
    import gateway.service  # noqa: F401  (declares the routes)
    from gateway import openapi

    statuses = {int(status) for path in openapi.build()["paths"].values() for operation in path.values()
                for status in operation.get("responses", {}) if status.isdigit() and int(status) >= 400}
    assert {401, 403, 404, 422} <= statuses
    for status in sorted(statuses):
        english = _rendered(_problem_of_status(status), "en")
        body = _rendered(_problem_of_status(status), language)
        assert (body["type"], body["status"]) == (english["type"], english["status"])
        assert body["title"] != english["title"] or english["title"] in SHARED_WORDS, status
        assert body["detail"] != english["detail"], status
        assert [e["code"] for e in body.get("field_errors", [])] == [
            e["code"] for e in english.get("field_errors", [])]


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_gateways_idempotency_problems_are_translated(language):
    from gateway import idempotency

    for refusal in (idempotency.KeyInUse(), idempotency.KeyReused(), idempotency.StoreDown()):
        english = _rendered(problems.problem_for(refusal), "en")
        body = _rendered(problems.problem_for(refusal), language)
        assert body["type"] == english["type"] and body["detail"] != english["detail"], refusal
    with pytest.raises(errors.BadInput) as malformed:
        idempotency.parse_key("")
    assert "255" in _rendered(problems.problem_for(malformed.value), language)["detail"]


def test_field_messages_formatted_in_code_are_read_back_and_translated():
    from nabo_common.i18n.field_messages import translated

    assert translated("de", "Unknown network 3f0c2a4e.")[1] == "Unbekanntes Netzwerk 3f0c2a4e."
    assert translated("nl", "Put {meeting_id} where the meeting's id goes.")[1] == (
        "Zet {meeting_id} op de plek waar het id van het gesprek komt.")
    assert translated("da", "Only your own association's members can be addressed.")[1] == (
        "Kun din egen forenings medlemmer kan kontaktes.")


def test_a_csv_without_the_columns_it_needs_is_told_so_without_english_words():
    from nabo_common.api import csv_tables

    with pytest.raises(errors.ValidationFailed) as refused:
        csv_tables.read("name,phone\nAnne,1\n", {"email": {"email"}, "person_id": {"person_id"}},
                        ("email", "person_id"), lambda cells, line: cells)
    body = _rendered(problems.problem_for(refused.value), "nl")
    assert body["errors"]["csv"] == [
        "regel 1: de kopregel moet een van deze kolommen noemen: 'email', 'person_id'."]
    assert " or " not in body["detail"]


def test_dutch_calls_a_thread_a_gesprek_throughout():
    # its 404s and mails say "gesprek": a second word ("discussie", "onderwerp") reads as another thing
    with open(LOCALE_DIR / "nl" / "LC_MESSAGES" / "nabo.po", "rb") as handle:
        about_threads = {m.id: m.string for m in read_po(handle)
                         if isinstance(m.id, str) and re.search(r"\bthread\b", m.id, re.IGNORECASE)}
    assert len(about_threads) >= 8
    other_words = {i: s for i, s in about_threads.items() if "gesprek" not in s.lower()
                   or re.search(r"discussie|onderwerp", s, re.IGNORECASE)}
    assert other_words == {}
