"""Request plumbing every feature shares: error pages, template filters, form fields, pages of lists, headers, rate limits."""
