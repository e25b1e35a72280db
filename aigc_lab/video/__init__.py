"""Video models and helpers arrive with their chapter; see DESIGN.md."""
