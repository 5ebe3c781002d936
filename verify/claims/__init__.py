"""One module per section of the paper; each holds the claims of that section.

The modules are imported in this order, which is the order of `ntk-verify list` and of the
reports (the paper's order).
"""
MODULES = (
    "section1",  # eq-4, eq-5
    "section2",  # eq-8
    "section3",  # eq-10, lemma-3.1, eq-13, theorem-3.2
    "section4",  # theorem-4.1, corollary-4.2, eq-24, eq-25, eq-26, lemma-4.3
    "section5",  # theorem-5.1, lemmas 5.2-5.5
    "section6",  # lemma-6.1, theorem-6.2
    "figure2",   # figure-2
)
