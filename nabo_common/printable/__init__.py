"""Printable report pages: charts drawn as SVG by pygal in shades and hatches
that survive black-and-white printing, and Jinja2 pages whose texts come
from a service's own gettext catalogue in the reader's language."""
