"""The lab hub: serve this replica's public catalog and files to the lab (docs/lab-hub.md)."""
