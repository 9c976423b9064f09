"""What a user asks for: certify a network, stationary points, pruning, the regularization path,
sensitivity, tuning inside the optimal set."""
