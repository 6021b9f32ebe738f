"""Signed unsubscribe tokens (HS256 with key rotation by ``kid``, keys from
NABO_UNSUBSCRIBE_KEYS). They carry no expiry: a link in a years-old mail
must still work."""
import jwt

from nabo_common.api.errors import BadInput

PURPOSE = "unsubscribe"


def sign(keys, person_id, association_id, kind, campaign_id=None):
    kid, secret = keys[0]
    claims = {"pur": PURPOSE, "p": person_id, "a": association_id, "k": kind}
    if campaign_id:
        claims["c"] = campaign_id
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})


def verify(keys, token):
    """The token's claims, or BadInput if it is not one of ours."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        secret = dict(keys)[kid]
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["p", "a", "k"]})
    except (jwt.PyJWTError, KeyError, TypeError):
        raise BadInput("This unsubscribe link is not valid; use the link from the latest message.") from None
    if claims.get("pur") != PURPOSE or claims["k"] not in ("newsletter", "contact"):
        raise BadInput("This unsubscribe link is not valid; use the link from the latest message.")
    return {"person_id": claims["p"], "association_id": claims["a"], "kind": claims["k"],
            "campaign_id": claims.get("c")}
