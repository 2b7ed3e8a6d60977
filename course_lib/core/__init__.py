"""The shared core: profiles, paths, the training loop, evaluation, results and the notebook harness."""
