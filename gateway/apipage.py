"""The API page: Swagger UI over the OpenAPI document, served from the files of the ``swagger-ui-bundle``
package and the page's own start script, so the page asks no host but the gateway for anything."""
from functools import lru_cache
from importlib import resources
from pathlib import Path

from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response

ASSETS_PATH = "/v1/docs/assets"
# the files of the bundle the page uses (and their source maps, which a browser's tools ask for)
ASSET_TYPES = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui.css.map": "application/json",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-bundle.js.map": "application/json",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
    "nabo-docs.js": "text/javascript; charset=utf-8",
}
# the page's scripts are files of the gateway's own origin; Swagger UI styles its elements inline
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nabo API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" href="{ASSETS_PATH}/favicon-32x32.png" sizes="32x32">
</head><body>
<div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_PATH}/nabo-docs.js"></script>
</body></html>
"""


@lru_cache(maxsize=None)
def _asset_bytes(name):
    if name == "nabo-docs.js":
        return (resources.files("gateway") / "static" / name).read_bytes()
    return (Path(swagger_ui_path) / name).read_bytes()


def page():
    return Response(PAGE, content_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": POLICY})


def asset(name):
    """One of the page's files, or None for a name that is none of them."""
    if name not in ASSET_TYPES:
        return None
    return Response(_asset_bytes(name), content_type=ASSET_TYPES[name],
                    headers={"Cache-Control": "public, max-age=3600"})
