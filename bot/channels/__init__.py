"""Input channels this bot serves (credentials.yml names them by module path)."""
