"""The zoo: what models exist and how to get them.

Holds the catalogue (zoo.yaml and your own models, with the one name resolver), the
MMDetection configs of each model, the per-user cache and downloads, the one checkpoint
loader, and models of your own (add, export as a mirror, import).

Imports only the ground floor (errors, atomic_write, workspace) and data/. It never imports
engine/, evaluation/, vis/ or cli/: the catalogue runs, scores and draws nothing.
"""
