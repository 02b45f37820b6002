"""The UI fixtures (a real library, an AppContext) for the hub's Settings section tests."""

from tests.ui.conftest import library_paths, make_ctx  # noqa: F401 - re-exported fixtures
