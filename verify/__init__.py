"""The verify layer: the claim registry, the runner, the reports and the command line."""
