"""What Twofold runs on: the database, encryption, the job queue, the outbox, the server. Knows nothing of couples."""
