"""One module per output format; :mod:`takedown.export` chooses among them."""
