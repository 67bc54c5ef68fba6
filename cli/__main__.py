"""``python -m emvb.cli``: the same as the ``emvb`` command."""

import sys

from .main import main

sys.exit(main())
