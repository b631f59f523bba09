"""The queue engine: pure state and rules (no I/O, no asyncio, no clock)."""

from server.engine.core import Actor, Engine, EngineError, Outcome

__all__ = ["Actor", "Engine", "EngineError", "Outcome"]
