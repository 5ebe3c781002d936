"""NumPy/SciPy/mpmath layer: matched ReLU networks (eq. 1) and their limiting NTK
(eqs. 9-10), data satisfying Assumptions 2.1-2.2, and certified eigenvalue enclosures."""
from numeric.data import DISTRIBUTIONS, sample
from numeric.eig import Decision, Enclosure, decide, lambda_min
from numeric.interval import Interval
from numeric.khatri_rao import khatri_rao, khatri_rao_gram, khatri_rao_power
from numeric.limiting import limiting_ntk
from numeric.network import ReLUNetwork

__all__ = [
    "ReLUNetwork", "limiting_ntk", "lambda_min", "decide", "Enclosure", "Decision", "Interval",
    "khatri_rao", "khatri_rao_power", "khatri_rao_gram", "DISTRIBUTIONS", "sample",
]
