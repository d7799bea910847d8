"""Evidence uploads: photos a user posts straight to the private bucket, then claims for a dispute."""
