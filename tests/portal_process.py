"""Run the real portal as a subprocess, for end-to-end tests.

    with running_portal(tmp_path / "portal", "--demo", "--resources", "300") as url:
        requests.get(f"{url}/api/v1/hello").json()
        portal_cli(tmp_path / "portal", "delete", "res-000001")

Every wait is bounded; a portal that does not start in time is killed and its stderr is
shown in the error.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

URL_PREFIX = "OKNO_PORTAL_URL="
START_TIMEOUT = 120.0
STOP_TIMEOUT = 10.0
CLI_TIMEOUT = 120.0


class PortalFailed(RuntimeError):
    """The portal process did not start, or an admin command failed."""


def _portal_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "portal.cli", *args]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONUTF8", "1")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)


@contextmanager
def running_portal(data_dir: str | os.PathLike[str], *extra_args: str,
                   timeout: float = START_TIMEOUT,
                   log_name: str = "portal-stderr.log") -> Iterator[str]:
    """Start ``okno-portal serve --host 127.0.0.1 --port 0 --data DIR [extra_args]``; yield its
    base URL (``http://127.0.0.1:PORT``); stop it on exit (SIGTERM, then kill). Several
    portals on one data directory need their own ``log_name`` (stderr goes there)."""
    data = Path(data_dir)
    data.mkdir(parents=True, exist_ok=True)
    stderr_path = data / log_name
    with stderr_path.open("w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            _portal_command("serve", "--host", "127.0.0.1", "--port", "0", "--data", str(data),
                            *extra_args),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
            text=True, encoding="utf-8", env=_environment(),
        )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        # Keep draining stdout so the portal can never block on a full pipe.
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, name="portal-stdout", daemon=True)
    reader.start()
    try:
        yield _wait_for_url(proc, lines, timeout, stderr_path)
    finally:
        _stop(proc)
        reader.join(STOP_TIMEOUT)
        if not reader.is_alive() and proc.stdout is not None:
            proc.stdout.close()


def _wait_for_url(proc: subprocess.Popen[str], lines: queue.Queue[str | None], timeout: float,
                  stderr_path: Path) -> str:
    try:
        while True:
            line = lines.get(timeout=timeout)
            if line is None:
                proc.wait(STOP_TIMEOUT)
                raise PortalFailed(f"the portal exited with status {proc.returncode} before "
                                   f"printing its URL:\n{_tail(stderr_path)}")
            if line.startswith(URL_PREFIX):
                return line[len(URL_PREFIX):].strip()
    except queue.Empty:
        _stop(proc)
        raise PortalFailed(f"the portal printed no URL within {timeout:.0f} s:\n"
                           f"{_tail(stderr_path)}") from None


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-limit:]
    except OSError:
        return "(no stderr)"


def portal_cli(data_dir: str | os.PathLike[str], *args: str, check: bool = True,
               timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run ``okno-portal ARGS --data DIR`` and return the finished process.

    With ``check`` (the default) a non-zero exit raises :class:`PortalFailed` carrying the
    command's output.
    """
    cmd = _portal_command(*args, "--data", str(data_dir))
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8",
                              timeout=timeout, env=_environment(), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise PortalFailed(f"{' '.join(args)} did not finish within {timeout:.0f} s") from exc
    if check and done.returncode != 0:
        raise PortalFailed(f"okno-portal {' '.join(args)} exited with {done.returncode}:\n"
                           f"{done.stdout}{done.stderr}")
    return done
