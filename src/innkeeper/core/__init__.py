"""The shared kernel: money, time, ids and errors. Standard library only, no I/O."""
