"""panels is the base: its templates link to no page of the apps above it (those apps add
their links through panels.links, and their own pages link down)."""

import re

from tests.servers import ROOT

UPPER = ("voting:", "agreements:", "overview:")
URL_TAG = re.compile(r"""{%\s*url\s+['"]([a-z_]+:[a-z_]+)['"]""")


def test_no_panels_template_links_to_a_page_of_an_app_above():
    upward = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "templates" / "panels").rglob("*.html"))
        for name in URL_TAG.findall(path.read_text())
        if name.startswith(UPPER)
    ]
    assert upward == []
