"""Tools for developers: the seeded sample data generator."""
