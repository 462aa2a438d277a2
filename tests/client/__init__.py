"""Tests for the client package, which runs without Home Assistant."""
