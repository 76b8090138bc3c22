"""The site's blueprints, one module per area."""
