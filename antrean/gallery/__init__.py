"""Every screen rendered offscreen from one demo office (`antrean demo --headless`)."""
