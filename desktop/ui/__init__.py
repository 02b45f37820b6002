"""The PySide6 user interface: the only part of the desktop client that imports Qt.

Start it with :func:`desktop.ui.app.run`.
"""
