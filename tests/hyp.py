"""`examples(n)`: a test's own hypothesis example count, scaled up under the `deep` profile."""
from hypothesis import settings


def examples(n: int) -> int:
    return n if settings.default.max_examples <= 30 else n * 20
