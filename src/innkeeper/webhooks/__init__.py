"""Stripe webhooks: a durable inbox (verify, store, acknowledge), processing as jobs with
retries and a dead letter, one handler per event type, replay, and a reconciler that
fetches what was never delivered."""
