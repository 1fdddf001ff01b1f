"""``python -m imbnn benchmark``: the same as the ``imbnn`` console script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
