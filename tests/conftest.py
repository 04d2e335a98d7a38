"""Hypothesis profiles: ``dev`` (fast, the default), ``ci`` (more examples, derandomized),
``thorough`` (many examples; run with ``--hypothesis-profile=thorough``).

When the ``CI`` environment variable is set the ``ci`` profile is loaded, so a
CI run is reproducible.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))
