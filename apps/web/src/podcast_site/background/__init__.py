"""Work the app does beside requests: announcing episodes, sending mail, keeping house."""
