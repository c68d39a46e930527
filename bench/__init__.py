"""`make bench`: Closeloop's speed measured at 10k to 1M calls on SQLite and PostgreSQL, side by side with
django-helpdesk, written to docs/benchmarks.md. Timings are printed and written, never asserted."""
