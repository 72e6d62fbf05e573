"""``python -m silva ...`` runs the command line (the same as the ``silva`` command)."""
import sys

from .cli import main

sys.exit(main())
