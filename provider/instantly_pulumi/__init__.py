"""Pulumi dynamic resources for Instantly API v2 workspaces."""
