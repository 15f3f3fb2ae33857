"""Chart and card renderers: take already-localized labels, return PNG bytes."""
