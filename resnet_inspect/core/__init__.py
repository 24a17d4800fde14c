"""What a network is and what it computes, in plain integers: spec and configs, op kinds, plans, the analytic
trace, receptive fields, closed forms, memory, budgets. No torch, no rendering and no CLI words here (the import
graph test holds it so); torch on the tool's own model is `runtime`."""
