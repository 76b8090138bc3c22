"""make bench: load a private copy of the stack with wrk (run.py), and tabulate it (results.py)."""
