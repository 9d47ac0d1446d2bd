"""`python -m bench`: see bench/run.py."""

from bench.run import main

# Guarded: the record export is measured in a spawned interpreter, which imports this module again.
if __name__ == "__main__":
    raise SystemExit(main())
