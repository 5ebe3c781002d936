"""Section 2 (Preliminaries): the Hermite coefficients of ReLU, equation (8)."""
from __future__ import annotations

import symbolic
from verify.judge import exact_zero
from verify.outcome import Outcome
from verify.registry import check, claim


@claim("eq-8", kind="identity", title="Hermite coefficients of ReLU",
       statement=r"\mu_r(\sigma) = \frac{1}{\sqrt{2\pi}} (-1)^{\frac{r-2}{2}} \frac{(r-3)!!}{\sqrt{r!}}"
                 r"\quad\text{for even } r \ge 2")
def eq_8(profile):
    r_max = profile.pick(quick=20, standard=40, full=60)
    for r in range(r_max + 1):
        yield check(f"mu_{r} integral = closed form", hermite_matches_closed_form, r=r)
    for r in range(min(r_max, 40) + 1):
        yield check(f"mu_{r + 1}(relu) = mu_{r}(step)/sqrt({r + 1})", derivative_relation, r=r)
    yield check("Parseval sum_r mu_r^2 = E[relu(g)^2] = 1/2", parseval, r_max=r_max)


def hermite_matches_closed_form(ctx, r, derived=symbolic.relu_hermite,
                                closed_form=symbolic.relu_hermite_closed_form) -> Outcome:
    """mu_r(sigma) = E[sigma(g) h_r(g)] by exact integration equals (8) (completed for r < 2
    and odd r: mu_0 = 1/sqrt(2 pi), mu_1 = 1/2, mu_r = 0 for odd r >= 3)."""
    lhs, rhs = derived(r), closed_form(r)
    return exact_zero(lhs - rhs, lhs=str(lhs), rhs=str(rhs), value=float(lhs))


def derivative_relation(ctx, r, relu=symbolic.relu_hermite, step=symbolic.step_hermite) -> Outcome:
    """mu_{r+1}(sigma) = mu_r(sigma') / sqrt(r+1) (Stein's identity), both by integration."""
    residual = symbolic.derivative_relation_residual(r, relu=relu, step=step)
    return exact_zero(residual, mu_r_step=str(step(r)), mu_r1_relu=str(relu(r + 1)))


def parseval(ctx, r_max, formula=None) -> Outcome:
    """sum_r mu_r(sigma)^2 = E[sigma(g)^2]: SymPy sums the series of (8) in closed form; the
    partial sum to r_max with a proven tail bound must also enclose 1/2."""
    res = symbolic.parseval_relu(r_max, formula=formula)
    evidence = dict(series_sum=str(res.series_sum), target=str(res.target), partial_sum=float(res.partial_sum),
                    tail_bound=float(res.tail_bound), enclosure_holds=res.enclosure_holds)
    if not res.enclosure_holds:
        return Outcome("counterexample", "exact", {**evidence, "residual": str(res.exact_residual)})
    return exact_zero(res.exact_residual, **evidence)
