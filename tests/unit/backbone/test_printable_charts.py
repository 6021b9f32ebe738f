"""Charts for printed report pages: SVG a browser draws as meant when it sits
inside an HTML page, one hatch per series, whole numbers on count axes."""

import xml.etree.ElementTree as ET

from nabo_common.printable.charts import bar_chart
from tests.support.charts import SVG, bars, hatches, texts, values


def test_a_chart_is_svg_with_a_bar_per_label_and_series_and_its_values_printed():
    svg = bar_chart("turnout", "Turnout", ["a", "b", "c"], [("Came", [9, 2, 7]), ("Stayed away", [0, 1, 0])])
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("id") == "chart-turnout"
    assert len(bars(root)) == 3 * 2
    assert values(root) == ["9", "2", "7", "1"]
    assert {"Turnout", "Came", "Stayed away"} <= set(texts(root))
    assert [t for t in texts(root) if t.replace(".", "").isdigit() and "." in t] == []  # no 2.5 people


def test_a_chart_reads_in_black_and_white_inside_an_html_page():
    svg = bar_chart("mix", "Mix", ["a"], [(f"s{n}", [n + 1]) for n in range(5)])
    assert len(hatches(ET.fromstring(svg))) == 5
    # patterns in the page's own SVG namespace (an HTML parser ignores prefixed ones), and pygal's
    # stylesheet kept, without which every shape is drawn black
    assert "<pattern " in svg and ":pattern" not in svg
    assert "#chart-mix .plot &gt; .background{fill:#fff}" in svg
    assert "#chart-mix .color-4{fill:url(#mix-hatch-4)" in svg
    assert "<script" not in svg


def test_stacked_parts_without_ideas_carry_no_label():
    svg = ET.fromstring(
        bar_chart(
            "by-status",
            "By status",
            ["x", "y"],
            [("a", [2, 0]), ("b", [0, 3])],
            horizontal=True,
            stacked=True,
        )
    )
    assert sorted(values(svg)) == ["2", "3"]


def test_rows_of_a_horizontal_chart_read_from_the_top_in_the_given_order():
    svg = ET.fromstring(
        bar_chart("rows", "Rows", ["first", "second", "third"], [("n", [1, 2, 3])], horizontal=True)
    )
    height = {
        t.text: float(t.get("y")) for t in svg.iter(f"{SVG}text") if t.text in ("first", "second", "third")
    }
    assert height["first"] < height["second"] < height["third"]  # SVG's y grows downwards
