"""Tests of the app (tests/web) and of the running stack (tests/stack)."""
