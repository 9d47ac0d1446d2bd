"""`url_for` in templates, remembered for the rest of the request.

A page builds the same links many times (the portal home asks for 82, most
of them the layout's); each build walks Werkzeug's URL map. Within one
request the answer for the same endpoint and arguments cannot change, so
it is kept in the request's own WSGI environ and dies with it: never shared
between requests, people or threads. Arguments that cannot be a dict key
(a list of query values) are built every time.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request, url_for

ENVIRON_KEY = "twofold.page_links"


def remembered_url_for(endpoint: str, **values) -> str:
    """`url_for`, answered from this request's memo when asked the same question again."""
    if not has_request_context():
        return url_for(endpoint, **values)
    try:
        key = (endpoint, frozenset(values.items()))
        links = request.environ.setdefault(ENVIRON_KEY, {})
        return links[key]
    except TypeError:  # an unhashable argument
        return url_for(endpoint, **values)
    except KeyError:
        links[key] = link = url_for(endpoint, **values)
        return link


def register(app: Flask) -> None:
    """Templates' `url_for` remembers within a request; Python code keeps Flask's own."""
    app.jinja_env.globals["url_for"] = remembered_url_for
