"""Platform administration (SPEC §6): metrics, user and business management, support."""
