"""Import screens (filled in below)."""
