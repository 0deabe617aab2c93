"""The permission matrix's data (matrix.py) and the campaign it runs against (world.py)."""
