"""The sealed history: the hash-chained ledger and the archived files of sealed rounds."""
