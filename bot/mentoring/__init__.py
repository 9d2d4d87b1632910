"""Keeping mentor relationships alive: contacts, rhythms, action items and their nudges."""
