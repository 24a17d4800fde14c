"""What a network is and what it computes: spec, op kinds, plans, the analytic trace, the model, verification,
counting and memory. No rendering and no CLI words here; `spec`, `ops`, `plan` and `shapes` never import torch."""
