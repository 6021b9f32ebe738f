"""A network's descriptive fields: names and descriptions (and the search
text made of them), eligibility and themes."""
from nabo_common.api.errors import ValidationFailed
from nabo_common.i18n.catalogues import N_
from services.members.domain import themes
from services.members.models import Association, NetworkTheme

PROFILE_FIELDS = ("name", "description", "join_policy", "visibility", "external_link", "activity")


def search_fields(name, description):
    """The lower-cased text searched and the ``,xx,yy,`` list of languages written in."""
    texts = [*name.values(), *description.values()]
    languages = sorted({lang for lang, text in (*name.items(), *description.items()) if text})
    return "\n".join(texts).lower(), "," + ",".join(languages) + ","


def check_associations(session, association_ids, field):
    for association_id in association_ids:
        if session.get(Association, association_id) is None:
            raise ValidationFailed(
                "Unknown association.", {field: [
                    N_("No such association: {association_id}.").format(association_id=association_id)]}
            )


def apply_eligibility(session, network, eligibility):
    association_ids = list(dict.fromkeys(eligibility.get("association_ids") or ()))
    check_associations(session, association_ids, "eligibility")
    network.eligible_association_ids = association_ids
    network.max_age = eligibility.get("max_age")


def set_themes(session, network, theme_ids):
    """Tag the network with ``theme_ids``; False when it had exactly those already."""
    wanted = themes.check_theme_ids(session, theme_ids)
    if set(wanted) == {link.theme_id for link in network.theme_links}:
        return False
    kept = [link for link in network.theme_links if link.theme_id in wanted]
    present = {link.theme_id for link in kept}
    network.theme_links = kept + [
        NetworkTheme(network_id=network.id, theme_id=t) for t in wanted if t not in present
    ]
    return True
