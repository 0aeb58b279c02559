"""Evaluation: the official BDD100K detection metrics and what explains them.

Holds the metrics core, evaluate() on files and runs, the COCO matching kernel, the TIDE error
breakdown, resampled accumulation for bootstrap intervals, compare(), the HTML report, and
the outcome of each box (TP/FP/missed) and the class confusion matrix.

Imports the ground floor, data/ and zoo/ (to name the model behind a run). It never imports
engine/, vis/ or cli/: scoring starts no model and draws nothing.
"""
