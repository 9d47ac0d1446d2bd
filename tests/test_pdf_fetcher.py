"""The PDF URL fetcher serves our own assets and refuses everything else."""

from __future__ import annotations

import pytest

from practice.pdf.fetcher import ASSET_BASE_URL, ASSET_ROOT, AssetFetcher, RefusedURL


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("print.css", "text/css"),
        ("fonts/DejaVuSans.ttf", "font/ttf"),
        ("fonts/DejaVuSans-Bold.ttf", "font/ttf"),
        ("fonts/DroidSansFallback.ttf", "font/ttf"),
    ],
)
def test_serves_our_css_and_fonts(path, content_type):
    response = AssetFetcher().fetch(ASSET_BASE_URL + path)
    assert response.content_type == content_type
    assert response.read() == (ASSET_ROOT / path).read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x",
        "https://example.com/x.css",
        "ftp://example.com/x.css",
        "data:text/css,body{color:red}",
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>",
        "../../config.py",
        "print.css",
        "/etc/passwd",
        ASSET_BASE_URL + "../../config.py",
        ASSET_BASE_URL + "%2e%2e/%2e%2e/config.py",
        ASSET_BASE_URL + "fonts/..%2f..%2f..%2fconfig.py",
        ASSET_BASE_URL + "/etc/passwd",
        ASSET_BASE_URL + "..\\..\\config.py",
        ASSET_BASE_URL + "print.css?v=1",
        ASSET_BASE_URL + "print.css#x",
        ASSET_BASE_URL + "fonts/",
        ASSET_BASE_URL + "missing.css",
        ASSET_BASE_URL + "fonts/LICENSE-DejaVu.txt",  # exists, but not a type we serve
        "http://pdf-assets.twofold.invalid/print.css",
        "https://pdf-assets.twofold.invalid.example.com/print.css",
        "https://user@pdf-assets.twofold.invalid/print.css",
        "https://pdf-assets.twofold.invalid:8443/print.css",
    ],
)
def test_refuses_everything_else(url):
    with pytest.raises(RefusedURL):
        AssetFetcher().fetch(url)


def test_refuses_a_symlink_that_leads_out_of_the_folder(tmp_path):
    root, outside = tmp_path / "pdf", tmp_path / "secret.css"
    root.mkdir()
    outside.write_text("body { color: red }")
    (root / "inside.css").write_text("p { margin: 0 }")
    (root / "escape.css").symlink_to(outside)
    fetcher = AssetFetcher(root)
    assert fetcher.fetch(ASSET_BASE_URL + "inside.css").read() == b"p { margin: 0 }"
    with pytest.raises(RefusedURL):
        fetcher.fetch(ASSET_BASE_URL + "escape.css")


def test_a_refusal_is_logged_without_the_url(caplog):
    with pytest.raises(RefusedURL):
        AssetFetcher().fetch("https://example.com/Zo%C3%AB-Alex-notes.css")
    assert "refused a https URL" in caplog.text
    assert "Alex" not in caplog.text
