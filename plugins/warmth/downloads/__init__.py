"""Stage 3a, downloads: the files under /data/, the data package and SHA256SUMS."""
