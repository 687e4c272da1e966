"""Who calls the API: tokens (stored hashed) and the principal a valid token stands for."""
