"""Nothing secret is committed, and signing keys rotate: a token signed with
the old key verifies while the old key is kept second, and not after removal."""
import re
import subprocess
import time
from pathlib import Path

import pytest

from gateway import tokens
from nabo_common.runtime import context
from nabo_common.runtime.settings import DEV_CONTEXT_KEY, DEV_JWT_KEY
from services.notifications.config import DEV_UNSUBSCRIBE_KEY, DEV_WEBHOOK_KEY

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "GitHub token": re.compile(r"gh[pousr]_[A-Za-z0-9]{30,}"),
    "Slack token": re.compile(r"xox[baprs]-[A-Za-z0-9-]{10,}"),
    "credentials in a URL": re.compile(r"[a-z]+://[^/\s:@$()]+:(?!guest@)[^/\s@$()]{6,}@"),
    "literal secret in YAML": re.compile(
        r"^\s*(password|passwd|secret|token|[a-z]+_key)\s*:\s*[\"']?[^\s\"'$#{]{12,}", re.M
    ),
    "kid:secret pair": re.compile(r"[\"'][A-Za-z0-9_-]{1,20}:[A-Za-z0-9+/=_-]{24,}[\"']"),
}
# the documented development defaults (docs/backbone.md, nabo_common/runtime/settings.py); never used in
# production
ALLOWED = {DEV_CONTEXT_KEY, DEV_JWT_KEY, DEV_UNSUBSCRIBE_KEY, DEV_WEBHOOK_KEY}
# test fixtures carry throwaway keys and passwords: there only the unmistakable patterns apply
STRICT_ONLY = ("private key", "AWS access key", "GitHub token", "Slack token")


def tracked_files():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / p for p in out.splitlines() if not p.startswith("tests/security/")]


def test_no_secrets_in_tracked_files():
    found = []
    for path in tracked_files():
        try:
            text = path.read_text()
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        for name, pattern in PATTERNS.items():
            if path.relative_to(ROOT).parts[0] == "tests" and name not in STRICT_ONLY:
                continue
            for match in pattern.finditer(text):
                if not any(
                    allowed in match.group(0) or match.group(0).strip("\"'") in allowed for allowed in ALLOWED
                ):
                    found.append(f"{path.relative_to(ROOT)}: {name}: {match.group(0)[:60]}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "planted",
    [
        "-----BEGIN RSA PRIVATE KEY-----",
        "amqp://members:s3cr3t-pass@rabbit/",
        "  password: hunter2hunter2hunter2",
        "'prod:Zm9vYmFyYmF6cXV4cXV1eGNvcmdl'",
    ],
)
def test_the_scanner_catches_planted_secrets(planted):
    assert any(p.search(planted) for p in PATTERNS.values())


OLD, NEW = ("2024", "old-signing-key-0123456789abcdef"), ("2025", "new-signing-key-fedcba9876543210")


def test_access_tokens_survive_rotation_while_the_old_key_is_kept():
    token = tokens.issue({"person_id": "p1", "roles": ["member"]}, [OLD], ttl=600)
    assert tokens.verify(token, [NEW, OLD])["person_id"] == "p1"
    assert tokens.issue({"person_id": "p1"}, [NEW, OLD], ttl=600) != token  # the new key signs
    assert jwt_kid(tokens.issue({"person_id": "p1"}, [NEW, OLD], ttl=600)) == NEW[0]
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(token, [NEW])


def test_caller_contexts_survive_rotation_while_the_old_key_is_kept():
    caller = context.Caller(person_id="p1", roles=("member",))
    signed = context.sign(caller, [OLD])
    assert context.verify(signed, [NEW, OLD]).person_id == "p1"
    assert context.verify(signed, [NEW]) is None
    assert jwt_kid(context.sign(caller, [NEW, OLD])) == NEW[0]


def test_a_key_reused_under_another_kid_does_not_verify():
    token = tokens.issue({"person_id": "p1"}, [OLD], ttl=600)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(token, [(OLD[0], NEW[1])])


def test_a_remembered_token_still_expires_and_still_needs_its_key():
    token = tokens.issue({"person_id": "p1", "roles": ["member"]}, [OLD], ttl=1)
    assert tokens.verify(token, [NEW, OLD])["person_id"] == "p1"
    assert tokens.verify(token, [NEW, OLD])["person_id"] == "p1"  # now from the cache
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(token, [NEW])  # the old key retired: the remembered verification does not apply
    time.sleep(1.2)
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.verify(token, [NEW, OLD])


def test_claims_from_the_cache_cannot_be_changed_by_a_caller():
    token = tokens.issue({"person_id": "p1", "roles": ["member"]}, [OLD], ttl=600)
    tokens.verify(token, [OLD])["roles"] = ["platform_admin"]
    tokens.verify(token, [OLD])["person_id"] = "p2"
    tokens.verify(token, [OLD])["roles"].append("platform_admin")
    assert tokens.verify(token, [OLD])["roles"] == ["member"]
    assert tokens.verify(token, [OLD])["person_id"] == "p1"


def jwt_kid(token):
    import jwt

    return jwt.get_unverified_header(token)["kid"]


def test_security_doc_matches_the_matrix():
    from tests.security.matrix import render_table

    assert render_table() in (ROOT / "docs" / "security.md").read_text(), (
        "regenerate the table in docs/security.md: python -m tests.security.matrix"
    )
