"""Gradescope autograder: build the zip (``build``), grade one submission (``run``), results.json (``results``)."""
