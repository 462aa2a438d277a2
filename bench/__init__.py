"""Benchmarks of the integration side by side with Home Assistant's own `trane` integration."""
