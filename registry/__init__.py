"""Action registry: plugin discovery and the catalogue of installed actions."""
