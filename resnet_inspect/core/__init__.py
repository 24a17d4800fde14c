"""Measurements on real torch models that check the analytic arithmetic (receptive fields, for now)."""
