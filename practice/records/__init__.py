"""A couple's whole record, exported by their clinician as a ZIP with a documented, versioned JSON schema."""
