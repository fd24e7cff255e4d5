"""Accounts: points of sale (CUIT + punto de venta), their credentials and settings."""
