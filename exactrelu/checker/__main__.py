"""``python -m exactrelu.checker CERT.json --data DATA``: the checker as its own program
(:mod:`exactrelu.checker.cli`; ``--help`` lists the kinds and their specifications)."""

import sys

from exactrelu.checker.cli import main

sys.exit(main())
