"""Display board: the hall screen that shows and announces called queue numbers.

The board is a display client only; it must never import the `server` package.
"""
