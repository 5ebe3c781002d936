"""One BLAS thread for the tests; hypothesis profiles: `ci` (the default: fast, derandomized so CI is reproducible) and `deep`
(`pytest --hypothesis-profile=deep`: twenty times the examples, for release checks).

Tests that set their own example count call `examples(n)`, which scales with the profile."""
import os

import numpy  # noqa: F401
import scipy.linalg  # noqa: F401  -- SciPy ships its own OpenBLAS: load it before limiting threads
from hypothesis import HealthCheck, settings
from threadpoolctl import threadpool_limits

# The tests use small matrices, where one BLAS thread is fastest and immune to a loaded machine.
threadpool_limits(limits=1)

settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=600, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
