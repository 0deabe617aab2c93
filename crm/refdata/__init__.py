"""Reference data: regions, industries, category tags, holidays, settings and the bureau's aliases."""
