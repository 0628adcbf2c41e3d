"""mvda."""
