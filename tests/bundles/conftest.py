"""The UI fixtures (a real store, an inline task manager, the window) for the bundle
dialog's tests."""

from tests.ui.conftest import library_paths, make_ctx, window  # noqa: F401
