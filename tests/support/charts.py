"""Reading the SVG charts of a report page, as a test checks them."""

import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def chart(body, chart_id):
    """The chart named ``chart_id`` in an HTML page, parsed as XML (which it must be)."""
    found = re.search(rf'<svg[^>]*id="chart-{chart_id}".*?</svg>', body, re.S)
    assert found, f"the page has no chart {chart_id}"
    return ET.fromstring(found[0])


def bars(svg):
    return svg.findall(f".//{SVG}g[@class='bar']")


def values(svg):
    """The value labels printed on the bars (a bar of zero has none)."""
    return [t.text for t in svg.iter(f"{SVG}text") if "value" in (t.get("class") or "").split() and t.text]


def texts(svg):
    return [t.text for t in svg.iter(f"{SVG}text") if t.text]


def hatches(svg):
    return svg.findall(f".//{SVG}pattern")
