"""Tests of the sandbox Okta org."""
