"""The JSON API's endpoints (filled in below)."""
