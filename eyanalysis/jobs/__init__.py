"""Jobs: runs that orchestrate notebooks (the scheduled termly run). The top layer under
the command line."""
