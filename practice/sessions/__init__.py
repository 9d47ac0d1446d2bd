"""Sessions with a couple: the signed clinical note, its amendments, and the two PDFs."""
