"""Read the links of a page's site header, as the app and the blog write it."""

import re

# The header's list, as base.html and site-header.html both write it (Hugo's
# minifier drops attribute quotes where HTML allows it).
HEADER_LINKS = re.compile(r'<header class="?site-header"?>.*?<ul>(.*?)</ul>', re.DOTALL)
LINK = re.compile(r'<li><a href="?([^" >]+)"?>([^<]+)</a>')


def header_links(page: str) -> list[tuple[str, str]]:
    """Return the (path, label) of each link in a page's header."""
    found = HEADER_LINKS.search(page)
    assert found, "no site header"
    return LINK.findall(found.group(1))
