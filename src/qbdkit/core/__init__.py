"""Pure computation on numpy/pandas: no I/O, no database, no printing."""
