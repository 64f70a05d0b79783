"""Building the claim matcher: export the embedder, fit the fusion and its
threshold on the CheckThat! 2A training pairs."""
