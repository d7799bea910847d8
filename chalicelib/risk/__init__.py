"""Risk signals: fake-purchase patterns flagged by the order pipeline as events happen (no Scan)."""
