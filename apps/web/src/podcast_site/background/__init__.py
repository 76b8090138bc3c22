"""Work the app does beside requests: sending mail, keeping house."""
