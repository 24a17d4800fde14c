"""Torch on the tool's own model: the model built from a plan, its modules, the hooked verification against the
trace, fvcore's counting, PyTorch's symbolic shapes, and the receptive-field probe. Imports torch; `core` never
does."""
