"""The printable idea catalogue: a chart of the panel's ideas per sub-theme
by status (SVG), the association's name, and texts in the reader's language."""

import dataclasses

from services.ideas.domain import catalogue, ideas
from tests.support.charts import bars, chart, hatches, texts, values


def test_catalogue_page_charts_ideas_per_sub_theme_by_status(world):
    panel = world.panel()
    world.directory.associations[world.association_id]["name"] = "Fjordby Kommune"
    for title, sub_theme, status in (
        ("Loan desk", "green-funding", "accepted"),
        ("Green fund", "green-funding", "declined"),
        ("Energy check", "green-guidance", "accepted"),
        ("Advice hotline", "green-guidance", None),
        ("Open ideas", "green-guidance", None),
    ):
        idea = world.do(ideas.submit, world.alice, panel["id"], {"title": title, "sub_theme": sub_theme})
        if status:
            world.do(
                ideas.transition, world.admin, idea["id"], {"to": status, "reason": "Reviewed by the panel"}
            )
    danish = dataclasses.replace(world.alice, language="da")
    body = world.do(catalogue.get, danish, panel["id"], {"format": "html"}, world.directory)["body"]

    by_status = chart(body, "ideas-by-status")
    assert len(hatches(by_status)) == 5  # one series per status, each with its own hatch
    assert len(bars(by_status)) == 2 * 5  # each sub-theme's bar in five parts
    assert sorted(values(by_status)) == ["1", "1", "1", "2"]  # only the parts that hold ideas carry a number
    assert {"Green guidance", "Green funding", "Indsendt", "Godkendt", "Afvist"} <= set(texts(by_status))
    assert "Fjordby Kommune" in body and "Idékatalog" in body and "Kladde, endnu ikke offentliggjort" in body
    assert "2 godkendte idéer med 0 støtter, ud af 5 indsendte idéer." in body
    assert body.count('<article class="idea">') == 2
