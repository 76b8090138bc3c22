"""The JSON API: its schemas, its OpenAPI description and its routes."""
