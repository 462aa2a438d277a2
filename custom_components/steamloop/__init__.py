"""The steamloop integration: local control of Trane / American Standard thermostats."""
