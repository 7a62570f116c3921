"""docqa's command line: the edge where settings become collaborators."""
