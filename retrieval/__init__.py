"""docqa's kernel: plain types, settings, errors, the ports and their adapters."""
