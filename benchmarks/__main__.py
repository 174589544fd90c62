"""python -m benchmarks: run every benchmark and print the table (see benchmarks/run.py)."""

from benchmarks.run import main

main()
