"""Data formats and layouts: knows no models, runs of models or scores.

Holds the BDD100K categories and folder layout, Scalabel det JSON in (fast typed reader) and
out (det.json frames), image and video frame sources, a run's files (det.json, .parts,
videos.json) and a gallery's layout, and the synthetic sample dataset and label sets.

Imports only bddet.errors and bddet.atomic_write: nothing above it.
"""
