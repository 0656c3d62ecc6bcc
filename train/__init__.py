"""Scripts that fit the shipped artefacts (one command each, fixed seed); see each module's docstring."""
