"""Background jobs with a progress page: start one, poll its status, download its file."""
