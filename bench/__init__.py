"""`make bench`: Twofold measured at a small and a large practice's size.

`python -m bench` builds synthetic practices in fresh databases, counts SQL
statements per page, times pages against the Jinja floor, loads the app under
gunicorn, and times PDFs. What it builds and measures is listed in
`bench/registry.py`: a new feature adds its generator, pages and PDFs there.
"""
