"""The UI fixtures (a real store, an inline task manager) shared with tests/ui."""

from tests.ui.conftest import library_paths, make_ctx  # noqa: F401
