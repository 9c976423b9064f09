"""Former location of ``exactrelu.testing.mutation``: ``python -m exactrelu.mutation`` still runs
the mutation measure of the checker."""

from exactrelu.testing.mutation import *  # noqa: F403
from exactrelu.testing.mutation import main

if __name__ == "__main__":
    raise SystemExit(main())
