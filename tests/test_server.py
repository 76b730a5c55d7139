"""Issue 17.12, through real HTTP requests to a running `streamlit run server.py`: it listens on this
machine only by default, staff pages cannot be framed by other sites, respondent pages can be by
the configured origins, and the cookie route neither redirects off-site nor sets a cookie for a bad
ticket."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT
from tests.serverhelpers import running_server

pytestmark = pytest.mark.slow
PRODUCT = "https://assistant.example.com"


def _head(url: str, path: str) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def _listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP socket LISTENs on at `port` (Linux /proc/net/tcp, tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_staff_pages_refuse_framing_and_respondent_pages_allow_the_product(tmp_path):
    with running_server(tmp_path, {"RECTIFY_EMBED_ORIGINS": PRODUCT}) as url:
        port = urlsplit(url).port
        assert port is not None
        # 127.0.0.1 only (0100007F in /proc/net/tcp), not 0.0.0.0 or ::.
        assert _listening_addresses(port) == {"0100007F"}
        for path in ("/", "/admin", "/items", "/pain_points"):
            response = _head(url, path)
            assert response.status == 200
            assert response.getheader("Content-Security-Policy") == "frame-ancestors 'self'"
            assert response.getheader("X-Frame-Options") == "SAMEORIGIN"
        for path in ("/feedback?embed=true", "/questionnaire?wave=1&embed=true"):
            response = _head(url, path)
            assert response.getheader("Content-Security-Policy") == f"frame-ancestors 'self' {PRODUCT}"
            assert response.getheader("X-Frame-Options") is None  # it cannot name another origin

        refused = _head(url, "/_rectify/session?ticket=made-up&next=//evil.example/phish")
        assert refused.status == 303 and refused.getheader("Location") == "/"
        assert refused.getheader("Set-Cookie") is None


def test_a_bad_embed_origin_stops_the_server_with_the_setting_named(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
        "RECTIFY_EMBED_ORIGINS": "assistant.example.com/path",
    }
    run = subprocess.run(
        [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "RECTIFY_EMBED_ORIGINS: assistant.example.com/path is not an origin" in run.stdout + run.stderr
