"""The documented nginx configuration in front of the real portal: blob and snapshot
downloads go through X-Accel-Redirect, with the portal's sha256 ETag, Range and If-Range
(how the desktop client resumes). Skipped when nginx is not installed."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.portal_process import portal_cli, running_portal

pytestmark = pytest.mark.e2e

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                  else None)

CONF = """
{user}
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp;
    proxy_temp_path {prefix}/tmp;
    fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp;
    scgi_temp_path {prefix}/tmp;
    types {{ application/pdf pdf; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass {portal};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }}
        location /_okno_files/ {{
            internal;
            alias {data}/;
            etag off;
            add_header ETag $upstream_http_x_okno_etag always;
        }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
def test_files_through_nginx_with_accel_redirect(tmp_path: Path):
    data = tmp_path / "portal"
    content = bytes(range(256)) * 400
    (tmp_path / "lesson.pdf").write_bytes(content)
    (tmp_path / "r.json").write_text('{"id": "r1", "title": "Урок", "type": "lesson", '
                                     '"language": "ru", "grades": [5]}', encoding="utf-8")
    portal_cli(data, "publish", "--json", str(tmp_path / "r.json"), "--file",
               str(tmp_path / "lesson.pdf"))
    sha = hashlib.sha256(content).hexdigest()
    prefix = tmp_path / "nginx"
    (prefix / "tmp").mkdir(parents=True)
    with running_portal(data, "--accel-redirect", "/_okno_files") as portal:
        port = _free_port()
        # As root, nginx's workers would run as "nobody" and not read the test's files.
        user = "user root;" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(CONF.format(prefix=prefix, port=port, portal=portal,
                                                       data=data.resolve(), user=user),
                                           encoding="utf-8")
        proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    requests.get(f"{url}/health", timeout=2)
                    break
                except requests.ConnectionError:
                    time.sleep(0.05)
            whole = requests.get(f"{url}/api/v1/blobs/{sha}", timeout=10)
            assert whole.status_code == 200 and whole.content == content
            assert whole.headers["etag"] == f'"{sha}"'
            assert whole.headers["content-type"] == "application/pdf"
            assert whole.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert "x-accel-redirect" not in whole.headers
            # Resuming as the desktop client does: Range + If-Range with the sha256 ETag.
            part = requests.get(f"{url}/api/v1/blobs/{sha}", timeout=10,
                                headers={"Range": "bytes=1000-", "If-Range": f'"{sha}"'})
            assert part.status_code == 206 and part.content == content[1000:]
            stale = requests.get(f"{url}/api/v1/blobs/{sha}", timeout=10,
                                 headers={"Range": "bytes=1000-", "If-Range": '"other"'})
            assert stale.status_code == 200 and stale.content == content
            hello = requests.get(f"{url}/api/v1/hello", timeout=10).json()
            snap = requests.get(f"{url}{hello['snapshot']['url']}", timeout=10)
            assert snap.status_code == 200
            assert hashlib.sha256(snap.content).hexdigest() == hello["snapshot"]["sha256"]
            # The internal location is not reachable from outside, nor unknown names.
            assert requests.get(f"{url}/_okno_files/blobs/{sha[:2]}/{sha}",
                                timeout=10).status_code == 404
            assert requests.get(f"{url}/api/v1/blobs/{'0' * 64}", timeout=10
                                ).status_code == 404
        finally:
            proc.terminate()
            proc.wait(10)
