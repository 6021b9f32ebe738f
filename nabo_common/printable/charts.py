"""Bar charts as inline SVG (pygal), readable on a black-and-white print:
each series is filled with its own grey hatch, carries its value as a label
and is named in the legend, so no reading depends on colour."""

import math

import pygal
from pygal.style import Style

# one hatch per series, lightest last; the legend shows the same fill as the bars
HATCHES = (
    '<rect width="8" height="8" fill="#999"/>',
    '<rect width="8" height="8" fill="#fff"/><path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" '
    'stroke="#000" stroke-width="1.6"/>',
    '<rect width="8" height="8" fill="#ddd"/>',
    '<rect width="8" height="8" fill="#fff"/><circle cx="4" cy="4" r="1.6" fill="#000"/>',
    '<rect width="8" height="8" fill="#fff"/><path d="M0,4 h8 M4,0 v8" stroke="#000" stroke-width="1"/>',
)
STYLE = Style(
    background="#fff",
    plot_background="#fff",
    foreground="#000",
    foreground_strong="#000",
    foreground_subtle="#666",
    opacity="1",
    opacity_hover="1",
    colors=("#333", "#777", "#ccc", "#999", "#555"),
    font_family="Georgia, 'DejaVu Serif', serif",
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    value_font_size=14,
    tooltip_font_size=14,
)
KINDS = {
    (False, False): pygal.Bar,
    (True, False): pygal.HorizontalBar,
    (False, True): pygal.StackedBar,
    (True, True): pygal.HorizontalStackedBar,
}


def _without_scripts(root):
    """pygal writes its interactive config as a script; a printed page has no use for it."""
    for parent in list(root.iter()):
        for child in [c for c in parent if str(c.tag).endswith("script")]:
            parent.remove(child)
    return root


def _hatching(chart_id, count):
    defs = [
        f'<pattern id="{chart_id}-hatch-{n}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f"{HATCHES[n % len(HATCHES)]}</pattern>"
        for n in range(count)
    ]
    css = "".join(
        f"#chart-{chart_id} .color-{n}{{fill:url(#{chart_id}-hatch-{n});stroke:#000;stroke-width:1}}"
        for n in range(count)
    )
    # a value written over a hatch keeps a white outline, so it stays legible
    css += f"#chart-{chart_id} .text-overlay text.value{{paint-order:stroke;stroke:#fff;stroke-width:3px}}"
    return defs, "inline:" + css


def _whole_steps(series, stacked):
    """Axis marks at whole numbers (people are not counted in tenths), about eight of them."""
    columns = list(zip(*(values for _, values in series)))
    tops = (
        [sum(v or 0 for v in column) for column in columns]
        if stacked
        else [v or 0 for c in columns for v in c]
    )
    top = max(tops + [1])
    step = max(1, math.ceil(top / 8))
    return list(range(0, top + step, step))


def bar_chart(chart_id, title, labels, series, formatter=str, horizontal=False, stacked=False, height=380):
    """An SVG string: one bar per label and series (``series`` is a list of (name, values)); ``chart_id``
    names the chart in the page, so two charts' hatches never meet."""
    defs, css = _hatching(chart_id, len(series))
    chart = KINDS[(horizontal, stacked)](
        style=STYLE,
        width=900,
        height=height,
        js=[],  # no script from pygal's site: the page works offline and prints as drawn
        defs=defs,
        css=["file://style.css", "file://graph.css", css],  # pygal's own, then the hatches over its colours
        disable_xml_declaration=True,
        print_values=True,
        # a label above its bar reads on any fill; a stacked part carries it inside
        print_values_position="center" if stacked else "top",
        print_zeroes=False,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=len(series),
        truncate_legend=-1,
        truncate_label=-1,
        x_label_rotation=30 if not horizontal and sum(len(str(label)) for label in labels) > 60 else 0,
        value_formatter=formatter,
        margin_bottom=12,
        no_data_text="–",
    )
    if formatter is str:
        chart.y_labels = _whole_steps(series, stacked)
    chart.add_xml_filter(_without_scripts)
    chart.uuid = chart_id  # a stable id: the hatches' CSS and the tests can find the chart by it
    if horizontal:  # pygal stacks rows from the bottom up: the first label goes on top, as in the tables
        labels = list(reversed(labels))
        series = [(name, list(reversed(values))) for name, values in series]
    chart.title = title
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, [value if value else None for value in values] if stacked else values)
    return chart.render(is_unicode=True)
