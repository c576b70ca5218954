"""Stage 1, signals: scan the flows' sources and turn long-open postings into triggers."""
