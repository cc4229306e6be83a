"""Stage 2, figures: the dataset, small-group protection, aggregates, findings, the campaign table."""
