"""Any user model → a dataflow graph of its tensor ops → the ResNet structure in it.

`graph.capture(model, input_shape)` runs one forward of a copy of the model under a `TorchDispatchMode` and
records every aten op with the ops whose outputs it read; `structure.recover(graph)` finds the stem, stages,
blocks (main path, shortcut, where the add is and what follows it) and the head. The user's object is never
changed. Imports flow core ← capture ← features.
"""
