"""What the three Qt apps share: the office model (snapshot + events) and the connection."""
