"""Where the community device token lives: the OS keyring when one works, otherwise a file
in the data folder readable only by the user (0600).

The token never expires (a school PC may stay offline for weeks), so it is a secret worth
the keyring; headless Linux boxes and lab images often have no keyring backend, and the
fallback keeps sign-in working there. ``OKNO_TOKEN_STORE=file`` forces the file (tests,
portable installs).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SERVICE = "okno"
TOKEN_FILE = "community-token.json"


def _use_keyring() -> bool:
    return os.environ.get("OKNO_TOKEN_STORE", "").lower() != "file"


def _keyring_set(portal_url: str, token: str) -> bool:
    if not _use_keyring():
        return False
    try:
        import keyring

        keyring.set_password(SERVICE, portal_url, token)
        return True
    except Exception:  # noqa: BLE001 - any backend failure means "no usable keyring"
        return False


def _keyring_get(portal_url: str) -> str | None:
    if not _use_keyring():
        return None
    try:
        import keyring

        return keyring.get_password(SERVICE, portal_url)
    except Exception:  # noqa: BLE001
        return None


def _keyring_delete(portal_url: str) -> None:
    if not _use_keyring():
        return
    try:
        import keyring

        keyring.delete_password(SERVICE, portal_url)
    except Exception:  # noqa: BLE001 - nothing stored there, or no backend
        pass


def token_file(data_dir: Path) -> Path:
    return Path(data_dir) / TOKEN_FILE


def _read_file(data_dir: Path) -> dict[str, str]:
    try:
        raw = json.loads(token_file(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _write_file(data_dir: Path, tokens: dict[str, str]) -> None:
    """Write atomically, created 0600 from the start (never briefly world-readable)."""
    path = token_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(tokens, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)  # Windows ignores the mode; the profile folder is private there
    os.replace(tmp, path)


def save_token(data_dir: Path, portal_url: str, token: str) -> str:
    """Store the token; returns where: ``"keyring"`` or ``"file"``."""
    if _keyring_set(portal_url, token):
        clear_file_token(data_dir, portal_url)
        return "keyring"
    tokens = _read_file(data_dir)
    tokens[portal_url] = token
    _write_file(data_dir, tokens)
    return "file"


def load_token(data_dir: Path, portal_url: str) -> str | None:
    return _keyring_get(portal_url) or _read_file(data_dir).get(portal_url) or None


def clear_file_token(data_dir: Path, portal_url: str) -> None:
    tokens = _read_file(data_dir)
    if portal_url in tokens:
        del tokens[portal_url]
        if tokens:
            _write_file(data_dir, tokens)
        else:
            token_file(data_dir).unlink(missing_ok=True)


def clear_token(data_dir: Path, portal_url: str) -> None:
    _keyring_delete(portal_url)
    clear_file_token(data_dir, portal_url)
