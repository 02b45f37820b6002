"""Computer labs: machine-wide presets, scheduled sync without a signed-in user, preloading.

Qt-free, like the rest of the core.
"""
