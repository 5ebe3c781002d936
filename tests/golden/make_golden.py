"""Regenerate tests/golden/values.json (run: python tests/golden/make_golden.py).

How each value is obtained -- independently of the code the regression tests exercise where
possible:

* mu_r(sigma), r = 0..60: mpmath.quad of x h_r(x) phi(x) on [0, oo) at 80 digits (He_r from
  mpmath.hermite, scaled to the probabilists' convention), printed to 45 digits (values below
  1e-60, the odd r >= 3, are stored as 0). Independent of
  symbolic.relu_hermite (SymPy integration) and of equation (8).
* lambda_min(K^(L)), L = 2..5, for the fixed integer data X below: K^(L) by the recursion (9)-(10)
  written out here directly in mpmath at 80 digits (arccos form), then mpmath.eigsy at 80 digits;
  printed to 50 digits. Independent of numeric.limiting and numeric.eig.
* one empirical NTK entry (JJ^T)_{12} of a fixed 3-layer network with dyadic weights: the exact
  rational value from explicit forward-mode derivatives written out here with fractions.Fraction,
  printed to 45 digits. Independent of numeric.network.
"""
import json
from fractions import Fraction
from pathlib import Path

import mpmath

X = [[1, 0, 0], [1, 1, 0], [0, 1, 2], [1, -1, 1], [2, 1, -1]]
WEIGHTS = [  # W_1 (3 x 4), W_2 (4 x 3), W_3 (3 x 1), entries k/8
    [[3, -5, 2, 7], [-4, 1, 6, -2], [5, 3, -7, 1]],
    [[2, -3, 5], [-1, 4, 2], [6, -2, -3], [1, 5, -4]],
    [[3], [-5], [4]],
]


def mu(r, dps=80):
    with mpmath.workdps(dps):
        he = lambda x: mpmath.hermite(r, x / mpmath.sqrt(2)) * mpmath.mpf(2) ** (-mpmath.mpf(r) / 2)
        f = lambda x: x * he(x) * mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)
        val = mpmath.quad(f, [0, 2, 5, 10, 20, mpmath.inf]) / mpmath.sqrt(mpmath.factorial(r))
        if abs(val) < mpmath.mpf(10) ** -60:  # odd r >= 3: zero up to the quadrature's error
            return "0"
        return mpmath.nstr(val, 45)


def lambda_min_limiting(L, dps=80):
    with mpmath.workdps(dps):
        N = len(X)
        G = mpmath.matrix([[mpmath.fsum(a * b for a, b in zip(X[i], X[j])) for j in range(N)] for i in range(N)])
        K = G.copy()
        for _ in range(2, L + 1):
            Gn, Gd = mpmath.matrix(N, N), mpmath.matrix(N, N)
            for i in range(N):
                for j in range(N):
                    s = mpmath.sqrt(G[i, i] * G[j, j])
                    t = mpmath.acos(max(-1, min(1, G[i, j] / s)))
                    Gn[i, j] = s / mpmath.pi * (mpmath.sin(t) + (mpmath.pi - t) * mpmath.cos(t))
                    Gd[i, j] = (mpmath.pi - t) / mpmath.pi
            K = mpmath.matrix([[K[i, j] * Gd[i, j] + Gn[i, j] for j in range(N)] for i in range(N)])
            G = Gn
        ev = mpmath.eigsy(K, eigvals_only=True)
        return mpmath.nstr(min(ev), 50)


def ntk_entry(i=0, j=1):
    W = [[[Fraction(v, 8) for v in row] for row in Wl] for Wl in WEIGHTS]

    def out_and_grad(x):
        x = [Fraction(v) for v in x]
        # forward, keeping pre-activations
        g1 = [sum(x[a] * W[0][a][b] for a in range(3)) for b in range(4)]
        f1 = [max(v, 0) for v in g1]
        g2 = [sum(f1[a] * W[1][a][b] for a in range(4)) for b in range(3)]
        f2 = [max(v, 0) for v in g2]
        d1 = [1 if v > 0 else 0 for v in g1]
        d2 = [1 if v > 0 else 0 for v in g2]
        grads = []
        # d out / d W_1[a][b] = x_a * d1_b * sum_c W_2[b][c] d2_c W_3[c]
        for a in range(3):
            for b in range(4):
                grads.append(x[a] * d1[b] * sum(W[1][b][c] * d2[c] * W[2][c][0] for c in range(3)))
        for a in range(4):
            for b in range(3):
                grads.append(f1[a] * d2[b] * W[2][b][0])
        for a in range(3):
            grads.append(f2[a])
        return grads

    gi, gj = out_and_grad(X[i]), out_and_grad(X[j])
    val = sum(a * b for a, b in zip(gi, gj))
    with mpmath.workdps(60):
        return str(val), mpmath.nstr(mpmath.mpf(val.numerator) / val.denominator, 45)


if __name__ == "__main__":
    exact, digits = ntk_entry()
    values = {
        "mu_r": {str(r): mu(r) for r in range(61)},
        "X": X,
        "lambda_min_K": {str(L): lambda_min_limiting(L) for L in range(2, 6)},
        "weights_over_8": WEIGHTS,
        "ntk_entry_01": {"exact": exact, "digits": digits},
    }
    Path(__file__).with_name("values.json").write_text(json.dumps(values, indent=1) + "\n")
