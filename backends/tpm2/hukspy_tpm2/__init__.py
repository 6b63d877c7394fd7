"""hukspy backend for TPM 2.0 (placeholder while the backend is written)."""
