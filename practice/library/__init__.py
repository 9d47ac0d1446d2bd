"""The exercise library: built-in exercises, the practice's own, and the builder."""
