"""Root query fields, one module per aggregate."""
