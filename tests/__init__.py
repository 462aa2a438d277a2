"""Tests for the steamloop integration."""
