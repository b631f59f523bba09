"""Network shells around the engine: the WebSocket hub and the HTTP pages on the same port."""
