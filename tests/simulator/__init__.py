"""Tests for the thermostat simulator, driven by a plain client."""
