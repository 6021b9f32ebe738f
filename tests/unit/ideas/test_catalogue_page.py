"""The printable idea catalogue: a chart of the panel's ideas per sub-theme
by status (SVG), the association's name, and texts in the reader's language."""

import dataclasses
import re
import xml.etree.ElementTree as ET

from services.ideas.domain import catalogue, ideas

SVG = "{http://www.w3.org/2000/svg}"


def status_chart(body):
    return ET.fromstring(re.search(r'<svg[^>]*id="chart-ideas-by-status".*?</svg>', body, re.S)[0])


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

    chart = status_chart(body)
    assert len(chart.findall(f".//{SVG}pattern")) == 5  # one series per status, each with its own hatch
    assert len(chart.findall(f".//{SVG}g[@class='bar']")) == 2 * 5  # each sub-theme's bar in five parts
    printed = [
        t.text for t in chart.iter(f"{SVG}text") if "value" in (t.get("class") or "").split() and t.text
    ]
    assert sorted(printed) == ["1", "1", "1", "2"]  # only the parts that hold ideas carry a number
    labels = [t.text for t in chart.iter(f"{SVG}text")]
    assert {"Green guidance", "Green funding", "Indsendt", "Godkendt", "Afvist"} <= set(labels)
    assert "Fjordby Kommune" in body and "Idékatalog" in body and "Kladde, endnu ikke offentliggjort" in body
    assert "2 godkendte idéer med 0 støtter, ud af 5 indsendte idéer." in body
    assert body.count('<article class="idea">') == 2
