"""Document renderers (PDF): take already-localized text, return the file's bytes."""
