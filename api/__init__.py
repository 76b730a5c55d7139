"""Rectify's HTTP API (`/api/v1/...`), served by `server.py` in the same process as the app."""
