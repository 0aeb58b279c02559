"""The engine: running models.

Holds the launcher (one process, elastic processes per machine, Slurm tasks), inference over
sets, images and videos, the video-frame loader, and training with MMEngine's Runner.

Imports the ground floor, data/ and zoo/. It never imports evaluation/, vis/ or cli/:
inference draws and scores nothing.
"""
