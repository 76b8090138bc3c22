"""Web plumbing shared by the views: templates, errors, inputs, paging, caching, limits."""
