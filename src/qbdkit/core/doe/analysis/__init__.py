"""DoE analysis: model fitting, prediction, optimization, probabilistic design space."""

__all__: list[str] = []
