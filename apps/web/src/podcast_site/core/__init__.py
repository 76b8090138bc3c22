"""The core: settings, the show, the database and its models; imports nothing above it."""
