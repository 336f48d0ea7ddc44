"""One module per family of Stripe events; ``registry.load`` imports every module here."""
