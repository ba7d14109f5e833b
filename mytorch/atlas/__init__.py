"""`mytorch atlas`: the optimizer x activation x loss matrix on toy 2-D datasets, as pictures and tables.

grid.py holds the axes and trains one cell, data.py prepares the datasets, plot.py draws a dataset's
decision regions, report.py writes the tables, run.py ties them together.
"""
from .run import FULL, QUICK, Budget, run

__all__ = ["run", "Budget", "FULL", "QUICK"]
