"""The content folder: its format (schema), reading and checking it (reader), its import (importer).

Also the texts it holds: transcripts, Markdown, and a synthetic show for benchmarks.
"""
