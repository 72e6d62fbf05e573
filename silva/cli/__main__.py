"""``python -m silva.cli ...`` runs the command line (the same as the ``silva`` command)."""
from . import main

raise SystemExit(main())
