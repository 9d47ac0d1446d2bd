"""The documents a couple's care produces: a session's clinician note and handout PDFs, and the files of a record export.

Sessions and the record export both build on this package; neither imports the other's internals.
"""
