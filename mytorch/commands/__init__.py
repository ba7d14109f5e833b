"""Sub-commands of the mytorch command line, one per file."""
