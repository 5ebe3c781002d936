"""Section 3 (limiting NTK with all wide layers): the arc-cosine closed forms of (9)-(10),
Lemma 3.1, equation (13) and Theorem 3.2."""
from __future__ import annotations

import symbolic
from verify.judge import exact_zero
from verify.outcome import Outcome
from verify.registry import check, claim


@claim("eq-10", kind="identity", title="Arc-cosine closed forms of the expectations in (9)-(10)",
       statement=r"2\,\mathbb{E}_{(u,v)\sim\mathcal{N}(0,A)}[\sigma(u)\sigma(v)] = \frac{\sqrt{ab}}{\pi}"
                 r"\big(\sin\theta + (\pi-\theta)\cos\theta\big),\quad 2\,\mathbb{E}[\sigma'(u)\sigma'(v)] = "
                 r"\frac{\pi-\theta}{\pi},\quad A=\begin{bmatrix}a&c\\c&b\end{bmatrix},\ \theta=\arccos\frac{c}{\sqrt{ab}}")
def eq_10(profile):
    order = profile.pick(quick=12, standard=30, full=60)
    yield check("polar-coordinate derivation = arc-cosine forms", derivation)
    yield check("Mehler: Taylor coefficients of E[relu relu] = mu_r(relu)^2", mehler, which="relu", n=order)
    yield check("Mehler: Taylor coefficients of E[step step] = mu_r(step)^2", mehler, which="step", n=order)
    yield check("d/drho E[relu relu] = E[step step] (unit variances)", derivative, unit_variance=True)
    yield check("d/dc E[relu relu] = E[step step] (general variances)", derivative, unit_variance=False)
    yield check("diagonal: G_ii^(l) = G_ii^(l-1), Gdot_ii^(l) = 1", diagonal)


def derivation(ctx, relu_expected=None, step_expected=None) -> Outcome:
    """The expectations integrated in polar coordinates equal the arc-cosine forms (no factor 2)."""
    r1, r2 = symbolic.derivation_residuals(relu_expected, step_expected)
    return exact_zero([r1, r2], relu=str(symbolic.derive_relu_kernel()), step=str(symbolic.derive_step_kernel()))


def mehler(ctx, which, n, kernel=None, hermite=None) -> Outcome:
    """The Taylor coefficients in rho of the unit-variance kernel are mu_r^2 for r <= n
    (the Hermite/Mehler expansion on which Lemma 5.3 rests)."""
    residuals = symbolic.mehler_residuals(n, which, kernel=kernel, hermite=hermite)
    return exact_zero(residuals, order=n)


def derivative(ctx, unit_variance, relu=None, step=None) -> Outcome:
    return exact_zero(symbolic.derivative_residual(relu, step, unit_variance=unit_variance))


def diagonal(ctx, relu=None, step=None) -> Outcome:
    """With the factor 2 of (10): G(a, a, a) = a and Gdot(a, a, a) = 1."""
    return exact_zero(list(symbolic.diagonal_residuals(relu, step)))
