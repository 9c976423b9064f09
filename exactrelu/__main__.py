"""``python -m exactrelu`` runs the command line."""

import sys

from exactrelu.cli import main

sys.exit(main())
