"""The catalog: categories, stores, products, reference prices."""
