"""The composition root: builds everything, owns the threads and the shutdown order."""
