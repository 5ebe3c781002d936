"""Hypothesis profiles: `ci` (the default: fast, derandomized so CI is reproducible) and `deep`
(`pytest --hypothesis-profile=deep`: twenty times the examples, for release checks).

Tests that set their own example count call `examples(n)`, which scales with the profile."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=600, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
