"""Batch planning of many sites; ``local_pool`` runs sites on local worker processes."""
