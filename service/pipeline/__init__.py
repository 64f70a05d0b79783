"""Tweet → Assessment: the one place that composes model, policies and reach."""
