"""Icebreakers: the prompt bank, no-repeat cycling and the speaking round (no Discord here)."""
