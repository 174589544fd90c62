"""Getting trustworthy geometry in: readers, validation, projection, area assignment."""
