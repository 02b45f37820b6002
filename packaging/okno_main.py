"""Entry point of the frozen build (PyInstaller): ``okno`` with the same commands as the CLI."""

import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
