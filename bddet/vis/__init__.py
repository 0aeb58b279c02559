"""Visualisation: pictures and annotated videos of predictions, ground truth and errors.

Holds the drawing of boxes, the annotated MP4s of `bddet vis --video`, and the static HTML
gallery with visualize().

Imports the ground floor, data/ and evaluation/ (the TP/FP outcome of each box). It never
imports engine/ or cli/.
"""
