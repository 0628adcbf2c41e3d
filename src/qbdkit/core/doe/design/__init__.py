"""DoE design generation and evaluation."""

__all__: list[str] = []
