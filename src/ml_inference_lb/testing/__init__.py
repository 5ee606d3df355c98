"""Helpers to test Pulumi programs that use ``InferenceCluster``, offline (see docs/testing.md)."""
