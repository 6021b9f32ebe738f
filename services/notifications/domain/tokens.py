"""Signed tokens for links in mail (HS256 with key rotation by ``kid``, keys from NABO_UNSUBSCRIBE_KEYS),
each for one purpose: unsubscribing, cancelling a registration. They carry no expiry: a link in a
years-old mail must still work."""
import hashlib
import hmac
import json
from functools import lru_cache

import jwt
from jwt.algorithms import HMACAlgorithm
from jwt.utils import base64url_encode

from nabo_common.api.errors import BadInput
from nabo_common.i18n.catalogues import N_

PURPOSE = "unsubscribe"
# per purpose, whole sentences for translators
NOT_VALID = {"unsubscribe": N_("This unsubscribe link is not valid; use the link from the latest message."),
             "cancel": N_("This cancel link is not valid; use the link from the latest message.")}


def sign_for(keys, purpose, claims):
    """A token of ``claims`` that only ``verify_for`` with the same ``purpose`` accepts: the token
    ``jwt.encode(dict(claims, pur=purpose), secret, algorithm="HS256", headers={"kid": kid})`` writes
    (tested), signed here with the header and key prepared once per key, since every registration's
    mail carries one and PyJWT's preparations cost more than the signature."""
    kid, secret = keys[0]
    header, key = _signer(kid, secret)
    payload = json.dumps(dict(claims, pur=purpose), separators=(",", ":")).encode("utf-8")
    signing_input = header + b"." + base64url_encode(payload)
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64url_encode(signature)).decode("ascii")


@lru_cache(maxsize=16)
def _signer(kid, secret):
    """The encoded header and the HMAC key, as PyJWT makes them (it refuses a key that looks like a
    public key)."""
    header = json.dumps({"alg": "HS256", "kid": kid, "typ": "JWT"}, separators=(",", ":"), sort_keys=True)
    return base64url_encode(header.encode("utf-8")), HMACAlgorithm(HMACAlgorithm.SHA256).prepare_key(secret)


def verify_for(keys, token, purpose, required, what):
    """The claims of a token signed for ``purpose`` holding ``required``, or BadInput naming the ``what``
    link."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        secret = dict(keys)[kid]
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": list(required)})
    except (jwt.PyJWTError, KeyError, TypeError):
        raise BadInput(NOT_VALID[what]) from None
    if claims.get("pur") != purpose:
        raise BadInput(NOT_VALID[what])
    return claims


def sign(keys, person_id, association_id, kind, campaign_id=None, network_id=None):
    """``kind``: a consent kind (newsletter, contact), or ``network`` for the mail of ``network_id``'s
    conversation."""
    claims = {"p": person_id, "a": association_id, "k": kind}
    if campaign_id:
        claims["c"] = campaign_id
    if network_id:
        claims["n"] = network_id
    return sign_for(keys, PURPOSE, claims)


def verify(keys, token):
    """The token's claims, or BadInput if it is not one of ours."""
    claims = verify_for(keys, token, PURPOSE, ("p", "a", "k"), "unsubscribe")
    if claims["k"] not in ("newsletter", "contact", "network") or (claims["k"] == "network") != bool(
            claims.get("n")):
        raise BadInput(NOT_VALID["unsubscribe"])
    return {"person_id": claims["p"], "association_id": claims["a"], "kind": claims["k"],
            "campaign_id": claims.get("c"), "network_id": claims.get("n")}
