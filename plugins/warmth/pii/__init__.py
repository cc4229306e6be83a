"""Personal data: detection and masking. A leaf: imports nothing else from warmth."""
