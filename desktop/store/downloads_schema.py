"""Schema step: a failed download keeps its error category, not only the English text.

The downloader's ``SyncError`` carries a stable ``code`` and ``params`` (desktop/sync/http.py);
storing them lets the downloads list say why a file failed in the user's language. Rows
written before this step keep ``error_code = ''`` and show their stored text.

The ``downloads`` table is a catalog table (in a lab it lives in the shared library file),
so this step is listed in ``library.CATALOG_STEPS`` and touches that table only.
"""

from __future__ import annotations

from sqlite_utils import Database


def v_download_error_codes(db: Database) -> None:
    db.execute("ALTER TABLE downloads ADD COLUMN error_code TEXT NOT NULL DEFAULT ''")
    # JSON object of strings that fill the translated text ({"url": ...}).
    db.execute("ALTER TABLE downloads ADD COLUMN error_params TEXT NOT NULL DEFAULT '{}'")
