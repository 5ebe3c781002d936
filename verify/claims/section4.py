"""Claims of this section (being written)."""
