"""``python -m exactrelu.testing.mutation``: the mutation measure of the checker (see
:mod:`exactrelu.testing.mutation`)."""

from exactrelu.testing.mutation.measure import main

if __name__ == "__main__":
    raise SystemExit(main())
