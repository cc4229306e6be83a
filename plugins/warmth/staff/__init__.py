"""Staff commands: check a district's file, anonymize the real-name table, seal a round."""
